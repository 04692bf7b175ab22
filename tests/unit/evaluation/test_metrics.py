"""The evaluation's figures, on hand-made parses: what each figure counts."""

from bot.triage.entities import extraction_to_entities
from evaluation.metrics import count_symptoms, intent_of, symptoms_in, triage_figures, triaged_urgency
from evaluation.replies import reply_text


def parse(text, intent, extractor=None, urgency=None):
    entities = extraction_to_entities(extractor.extract(text), urgency, text) if extractor else []
    return {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities}


def test_symptoms_are_read_with_their_role(extractor):
    assert symptoms_in(parse("no fever but i feel confused", "report_symptom", extractor)) == ({"confusion"}, {"fever"})


def test_a_symptom_reported_and_denied_in_one_message_counts_as_reported_as_triage_reads_it(extractor):
    parsed = parse("nothing brings his temp down, still 38.8", "report_symptom", extractor)
    assert symptoms_in(parsed) == ({"fever"}, set())


def test_a_question_about_what_could_happen_is_neither_reported_nor_denied(extractor):
    assert symptoms_in(parse("what if he has a seizure?", "ask_what_to_watch", extractor)) == (set(), set())


def test_retrieval_sub_intents_count_as_their_intent():
    assert intent_of({"intent": {"name": "faq/helplines"}}) == "faq"
    assert intent_of({"intent": None}) == "nlu_fallback"


def test_symptom_precision_recall_and_negation():
    figures = count_symptoms(
        [({"fever", "chills"}, {"confusion"}), ({"rash"}, set())],
        [({"fever"}, {"confusion"}), ({"rash", "headache"}, set())],
    )
    assert figures["symptom_recall"] == 2 / 3
    assert figures["symptom_precision"] == 2 / 3
    assert figures["negation_accuracy"] == 1.0


def test_a_report_without_an_urgency_entity_gets_the_unclear_advice_counted_as_urgent():
    """What Rasa's default pipeline does with a seizure: a report, but no urgency to pick the advice."""
    seizure = parse("my husband is having a seizure", "report_symptom")
    assert triaged_urgency(seizure) == "urgent"
    assert triaged_urgency(parse("hello", "greet")) == "none"
    assert "could not match what you describe" in reply_text(seizure)


def test_triage_figures_count_red_flags_and_under_triage(extractor):
    vignettes = [{"id": "seizure", "urgency": "emergency"}, {"id": "rash", "urgency": "routine"}]
    ours = [
        parse("he is having a seizure", "report_symptom", extractor, "emergency"),
        parse("i have a rash", "report_symptom", extractor, "routine"),
    ]
    baseline = [parse("he is having a seizure", "report_symptom"), parse("i have a rash", "report_symptom")]
    names_care_team = lambda p: "care team" in reply_text(p)  # noqa: E731
    no_unsafe = lambda p: []  # noqa: E731
    good = triage_figures(vignettes, ours, names_care_team, no_unsafe)
    assert (good.red_flag_recall, good.under_triaged, good.over_triaged, good.care_team_coverage) == (1.0, [], [], 1.0)
    bad = triage_figures(vignettes, baseline, names_care_team, no_unsafe)
    assert bad.red_flag_recall == 0.0
    assert bad.under_triaged == ["seizure: expected emergency, got urgent"]
    assert bad.over_triaged == ["rash: expected routine, got urgent"]
    assert "emergency services" in reply_text(ours[0]) and "Confusion" not in reply_text(ours[0])
