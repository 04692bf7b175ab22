"""The Rasa NLU component: entities beside DIET's, and the safety net over DIET's intent."""

from dataclasses import replace

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.server.components.symptom_entity_extractor import SymptomEntityExtractor
from bot.triage.recognition.mentions import Mention


@pytest.fixture(scope="module")
def component(extractor):
    return SymptomEntityExtractor(extractor)


def parse(component, text, intent, entities=()):
    message = Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": 0.6},
            "intent_ranking": [{"name": intent, "confidence": 0.6}],
            "entities": list(entities),
        }
    )
    component.process([message])
    return message


def entity_values(message, kind):
    return [e["value"] for e in message.get("entities") if e["entity"] == kind]


def test_red_flag_overrides_any_intent(component):
    message = parse(component, "what is crs, my wife just collapsed", "ask_what_is")
    assert message.get("intent")["name"] == "report_symptom"
    assert entity_values(message, "urgency") == ["emergency"]


def test_symptom_in_small_talk_is_a_report(component):
    message = parse(component, "ok thanks, he's shaking now", "thank")
    assert message.get("intent")["name"] == "report_symptom"
    assert message.get("intent_ranking")[0]["name"] == "report_symptom"
    assert entity_values(message, "urgency") == ["urgent"]


def test_denied_symptoms_are_recorded_as_a_report(component):
    message = parse(component, "no fever, no chills today", "no_symptoms")
    assert message.get("intent")["name"] == "report_symptom"
    assert entity_values(message, "urgency") == ["none"]


def test_denied_symptoms_taken_for_a_no_are_a_report(component):
    message = parse(component, "no rash and no swelling where they did the injection", "deny")
    assert message.get("intent")["name"] == "report_symptom"
    assert entity_values(message, "urgency") == ["none"]


def test_a_plain_no_stays_a_no(component):
    assert parse(component, "no thats all", "deny").get("intent")["name"] == "deny"


def test_a_plain_check_in_stays_no_symptoms(component):
    message = parse(component, "nothing new to report", "no_symptoms")
    assert message.get("intent")["name"] == "no_symptoms"


def test_questions_keep_their_intent(component):
    message = parse(component, "is tremor a side effect of car t?", "ask_side_effects")
    assert message.get("intent")["name"] == "ask_side_effects"
    assert entity_values(message, "urgency") == []
    assert entity_values(message, "symptom") == ["tremor"]


@pytest.mark.parametrize(
    "text, intent",
    [
        ("38.6 degrees celsius on day 2 of the Blincyto infusion", "faq"),
        ("the leaflet mentioned tremors and now his hands are shaking", "ask_side_effects"),
        ("car t last week, now a headache that wont shift", "ask_what_is"),
    ],
)
def test_a_symptom_stated_not_asked_is_a_report(component, text, intent):
    message = parse(component, text, intent)
    assert message.get("intent")["name"] == "report_symptom"
    assert entity_values(message, "urgency") == ["urgent"]


@pytest.mark.parametrize(
    "text, intent",
    [
        ("is a headache a side effect of teclistamab", "ask_side_effects"),
        ("what does it mean if he has a tremor after car t", "ask_what_is"),
        ("can fever come back weeks later?", "faq"),
    ],
)
def test_a_symptom_in_a_question_keeps_the_question(component, text, intent):
    assert parse(component, text, intent).get("intent")["name"] == intent


def test_report_with_nothing_recognised_is_unclear(component):
    message = parse(component, "he just seems off tonight", "report_symptom")
    assert entity_values(message, "urgency") == ["unclear"]


@pytest.mark.parametrize(
    "text,intent",
    [
        ("she's just not right today. eating ok, no temp", "no_symptoms"),
        ("he seems off, cant put my finger on it. temp 36.8", "report_symptom"),
    ],
)
def test_unwell_beside_only_denials_is_unclear_not_none(component, text, intent):
    message = parse(component, text, intent)
    assert message.get("intent")["name"] == "report_symptom"
    assert entity_values(message, "urgency") == ["unclear"]


def test_a_symptom_only_the_learned_layer_read_does_not_turn_a_question_into_a_report(extractor):
    class ReadsFeverIntoEverything:
        """The rules' extractor, with a learned layer that reads a fever into every message."""

        is_phrased_as_question = staticmethod(extractor.is_phrased_as_question)

        def extract(self, text):
            extraction = extractor.extract(text)
            model_read = Mention(symptom_id="fever", text="", start=0, end=0, red_flag=False)
            return replace(extraction, mentions=extraction.mentions + (model_read,))

    component = SymptomEntityExtractor(ReadsFeverIntoEverything())
    asked = parse(component, "can I give him tylenol", "ask_medication_advice")
    assert asked.get("intent")["name"] == "ask_medication_advice"
    stated = parse(component, "hes burning up, can I give him tylenol", "ask_medication_advice")
    assert stated.get("intent")["name"] == "report_symptom"
    thanked = parse(component, "ok thanks, he's gone quiet and off his food", "thank")
    assert thanked.get("intent")["name"] == "report_symptom"


def test_entities_are_added_beside_diets(component):
    diet = {"entity": "topic", "value": "crs", "start": 8, "end": 11, "extractor": "DIETClassifier"}
    message = parse(component, "what is crs", "ask_what_is", [diet])
    assert message.get("entities")[0] == diet


def test_spanish_and_french_get_their_own_intent(component):
    message = parse(component, "mi esposo tiene fiebre y está confundido", "report_symptom")
    assert message.get("intent")["name"] == "other_language"
    assert entity_values(message, "language") == ["es"]
    message = parse(component, "mon mari a de la fièvre depuis hier", "nlu_fallback")
    assert entity_values(message, "language") == ["fr"]
