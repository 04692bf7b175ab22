"""The actions, run as the action server would run them: a tracker in, messages and events out."""

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.document_answers import ActionAnswerDriving, ActionExplainTopic, ActionListSideEffects
from actions.triage_symptoms import ActionTriageSymptoms
from bot.entities import extraction_to_entities
from bot.safety import find_unsafe_phrases


def user_event(text, intent, extractor, extra_entities=()):
    entities = list(extra_entities) + extraction_to_entities(extractor.extract(text), None, text)
    return {"event": "user", "text": text,
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities}}


def tracker_for(text, intent, extractor, slots=None, extra_entities=(), earlier=()):
    """A tracker whose latest message is `text`, after the user messages `earlier`."""
    events = [user_event(t, "report_symptom", extractor) for t in earlier]
    events.append(user_event(text, intent, extractor, extra_entities))
    return Tracker.from_dict({
        "sender_id": "test",
        "slots": {"therapy": None, "days_since_treatment": None, "urgency": None, "topic": None, **(slots or {})},
        "latest_message": events[-1]["parse_data"],
        "events": events, "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "utter_symptom_advice",
    })


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    for message in dispatcher.messages:
        assert find_unsafe_phrases(message.get("text") or "") == []
    return dispatcher.messages, events


def test_triage_action_sends_guidance_and_structured_payload(extractor):
    tracker = tracker_for("I don't have a fever but I feel confused", "report_symptom", extractor)
    messages, events = run(ActionTriageSymptoms(), tracker)
    assert len(messages) == 1
    assert "nervous-system problems (ICANS)" in messages[0]["text"]
    assert "American Cancer Society" in messages[0]["text"]
    triage = messages[0]["custom"]["triage"]
    assert triage["urgency"] == "urgent"
    assert {(s["id"], s["negated"]) for s in triage["symptoms"]} == {("confusion", False), ("fever", True)}
    assert "icans" in triage["groups"]


def test_triage_action_uses_and_keeps_the_therapy_slot(extractor):
    tracker = tracker_for("temp 38.9", "report_symptom", extractor, slots={"therapy": "blinatumomab"})
    messages, events = run(ActionTriageSymptoms(), tracker)
    triage = messages[0]["custom"]["triage"]
    assert triage["therapy"] == "blinatumomab"
    assert triage["symptoms"][0]["value"] == "38.9 C"
    assert {"event": "slot", "name": "therapy", "value": "blinatumomab"} in [
        {k: e[k] for k in ("event", "name", "value")} for e in events
    ]


def test_triage_action_with_nothing_recognised_still_sends_the_payload(extractor):
    messages, _ = run(ActionTriageSymptoms(), tracker_for("he is just off tonight", "report_symptom", extractor))
    assert messages[0]["text"] is None
    assert messages[0]["custom"]["triage"]["symptoms"] == []


def test_earlier_symptoms_keep_the_conversation_urgent(extractor):
    tracker = tracker_for("and a bit of a rash now", "report_symptom", extractor, earlier=["she's at 38.6"])
    messages, events = run(ActionTriageSymptoms(), tracker)
    assert messages[0]["text"].startswith("Together with what you told me earlier (fever): Please contact your care team right away")
    triage = messages[0]["custom"]["triage"]
    assert triage["urgency"] == "urgent"
    assert {s["id"] for s in triage["symptoms"]} == {"fever", "rash"}
    assert {"event": "slot", "name": "conversation_urgency", "value": "urgent"} in [
        {k: e[k] for k in ("event", "name", "value")} for e in events]


def test_a_routine_symptom_reported_again_is_urgent(extractor):
    tracker = tracker_for("the rash is still there", "report_symptom", extractor, earlier=["I have a rash"])
    messages, _ = run(ActionTriageSymptoms(), tracker)
    assert messages[0]["custom"]["triage"]["urgency"] == "urgent"
    assert "the same symptom, again" in messages[0]["text"]


def test_caregiver_is_in_the_payload(extractor):
    messages, _ = run(ActionTriageSymptoms(), tracker_for("my husband had a seizure", "report_symptom", extractor))
    assert messages[0]["custom"]["triage"]["caregiver"] is True
    assert messages[0]["custom"]["triage"]["urgency"] == "emergency"


@pytest.mark.parametrize("text,expected", [
    ("what side effects does elranatamab have", "missing from the copy I have"),
    ("what are the side effects of blincyto", "“tremor”"),
    ("is tremor a side effect", "Shaking or twitching (tremor) is listed among"),
])
def test_side_effects_action(extractor, text, expected):
    messages, _ = run(ActionListSideEffects(), tracker_for(text, "ask_side_effects", extractor))
    assert expected in messages[0]["text"]
    assert "care team" in messages[0]["text"]
    assert messages[0]["custom"]["sources"]


def test_explain_topic_reads_diets_topic_entity(extractor):
    topic = {"entity": "topic", "value": "icans", "start": 8, "end": 13, "extractor": "DIETClassifier"}
    messages, _ = run(ActionExplainTopic(), tracker_for("what is icans", "ask_what_is", extractor, extra_entities=[topic]))
    assert "immune effector cell-associated neurotoxicity syndrome (ICANS)" in messages[0]["text"]


def test_driving_action(extractor):
    messages, _ = run(ActionAnswerDriving(), tracker_for("can i drive after car t", "ask_driving", extractor))
    assert "advised not to drive" in messages[0]["text"]


def test_summary_lists_the_whole_conversation_and_the_advice(extractor):
    from actions.summarise_conversation import ActionSummariseConversation

    tracker = tracker_for("no", "deny", extractor, earlier=[
        "she's been off all evening", "now 38.6", "and she can't find her words, no seizure"])
    messages, _ = run(ActionSummariseConversation(), tracker)
    text = messages[0]["text"]
    assert "- Reported: fever (38.6 C), trouble speaking." in text
    assert "- Not present: seizure." in text
    assert "My advice: Please contact your care team right away" in text
