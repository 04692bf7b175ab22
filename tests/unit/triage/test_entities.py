"""Entities written by the NLU component read back as the same reports in the actions."""

from bot.triage.entities import EXTRACTOR_NAME, extraction_to_entities, reports_from_entities


def test_round_trip(extractor):
    text = "no fever but my husband is confused, day +4 after cilta-cel"
    extraction = extractor.extract(text)
    entities = extraction_to_entities(extraction, "urgent", text)
    reported = reports_from_entities(entities)
    assert reported.reports == extraction.reports
    assert reported.therapy_id == "ciltacabtagene_autoleucel"
    assert reported.days_since_treatment == 4
    assert reported.caregiver
    symptom_roles = {(e["value"], e["role"]) for e in entities if e["entity"] == "symptom"}
    assert symptom_roles == {("fever", "negated"), ("confusion", "present")}
    assert {"entity": "urgency", "value": "urgent"}.items() <= [e for e in entities if e["entity"] == "urgency"][
        0
    ].items()


def test_other_extractors_entities_are_ignored():
    entities = [{"entity": "symptom", "value": "seizure", "extractor": "DIETClassifier"}]
    assert reports_from_entities(entities).reports == []


def test_temperature_entity_keeps_the_reading(extractor):
    text = "spiked 102"
    entities = extraction_to_entities(extractor.extract(text), None, text)
    temperature = next(e for e in entities if e["entity"] == "temperature")
    assert temperature["value"] == "102 F (38.9 C)" and temperature["celsius"] == 38.9
    assert temperature["extractor"] == EXTRACTOR_NAME
