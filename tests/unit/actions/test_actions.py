"""The actions, run as the action server would run them: a tracker in, messages and events out."""

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.ask_follow_up import ActionAskFollowUp
from actions.document_answers import ActionAnswerDriving, ActionExplainTopic, ActionListSideEffects
from actions.summarise_conversation import ActionSummariseConversation
from actions.triage_symptoms import ActionTriageSymptoms
from bot.triage.conversation import STATE_SLOT
from bot.triage.reply_audit import find_unsafe_phrases
from tests.support.events import user_event


def tracker_for(text, intent, extractor, slots=None, extra_entities=(), earlier=(), active_loop=None):
    """A tracker whose latest message is `text`, after the user messages `earlier`."""
    events = [user_event(t, extractor, timestamp=1000.0 + i) for i, t in enumerate(earlier)]
    latest = user_event(text, extractor, intent, timestamp=1000.0 + len(events))
    latest["parse_data"]["entities"] = list(extra_entities) + latest["parse_data"]["entities"]
    events.append(latest)
    return Tracker.from_dict(
        {
            "sender_id": "test",
            "slots": {"therapy": None, "days_since_treatment": None, "urgency": None, "topic": None, **(slots or {})},
            "latest_message": events[-1]["parse_data"],
            "events": events,
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "utter_symptom_advice",
        }
    )


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
    tracker = tracker_for(
        "and a bit of a rash now", "report_symptom", extractor, earlier=["she's at 38.6, she takes lenalidomide"]
    )
    messages, events = run(ActionTriageSymptoms(), tracker)
    assert messages[0]["text"].startswith(
        "Together with what you told me earlier (fever): Please contact your care team right away"
    )
    triage = messages[0]["custom"]["triage"]
    assert triage["urgency"] == "urgent"
    assert {s["id"] for s in triage["symptoms"]} == {"fever", "rash"}
    assert {"event": "slot", "name": "conversation_urgency", "value": "urgent"} in [
        {k: e[k] for k in ("event", "name", "value")} for e in events
    ]


def test_a_routine_symptom_reported_again_is_urgent(extractor):
    tracker = tracker_for(
        "the rash is still there", "report_symptom", extractor, earlier=["I have a rash, I'm on lenalidomide"]
    )
    messages, _ = run(ActionTriageSymptoms(), tracker)
    assert messages[0]["custom"]["triage"]["urgency"] == "urgent"
    assert "the same symptom, again" in messages[0]["text"]


def test_caregiver_is_in_the_payload(extractor):
    messages, _ = run(ActionTriageSymptoms(), tracker_for("my husband had a seizure", "report_symptom", extractor))
    assert messages[0]["custom"]["triage"]["caregiver"] is True
    assert messages[0]["custom"]["triage"]["urgency"] == "emergency"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("what side effects does elranatamab have", "missing from the copy I have"),
        ("what are the side effects of blincyto", "“tremor”"),
        ("is tremor a side effect", "Shaking or twitching (tremor) is listed among"),
    ],
)
def test_side_effects_action(extractor, text, expected):
    messages, _ = run(ActionListSideEffects(), tracker_for(text, "ask_side_effects", extractor))
    assert expected in messages[0]["text"]
    assert "care team" in messages[0]["text"]
    assert messages[0]["custom"]["sources"]


def test_explain_topic_reads_diets_topic_entity(extractor):
    topic = {"entity": "topic", "value": "icans", "start": 8, "end": 13, "extractor": "DIETClassifier"}
    messages, _ = run(
        ActionExplainTopic(), tracker_for("what is icans", "ask_what_is", extractor, extra_entities=[topic])
    )
    assert "immune effector cell-associated neurotoxicity syndrome (ICANS)" in messages[0]["text"]


def test_driving_action(extractor):
    messages, _ = run(ActionAnswerDriving(), tracker_for("can i drive after car t", "ask_driving", extractor))
    assert "advised not to drive" in messages[0]["text"]


def test_summary_lists_the_whole_conversation_and_the_advice(extractor):
    tracker = tracker_for(
        "no",
        "deny",
        extractor,
        earlier=["she's been off all evening", "now 38.6", "and she can't find her words, no seizure"],
    )
    messages, _ = run(ActionSummariseConversation(), tracker)
    text = messages[0]["text"]
    assert "- Reported: fever (38.6 C), trouble speaking." in text
    assert "- Not present: seizure." in text
    assert "My advice: Please contact your care team right away" in text


def slot_events(events):
    """The slots an action sets, but the kept conversation state (tests/unit/triage/test_conversation.py)."""
    return {e["name"]: e["value"] for e in events if e["event"] == "slot" and e["name"] != STATE_SLOT}


def test_every_action_that_adds_up_the_conversation_keeps_its_state(extractor):
    tracker = tracker_for("and now a headache", "report_symptom", extractor, earlier=["temp 38.7"])
    for action in (ActionTriageSymptoms(), ActionAskFollowUp(), ActionSummariseConversation()):
        _, events = run(action, tracker)
        kept = next(e["value"] for e in events if e["event"] == "slot" and e["name"] == STATE_SLOT)
        assert kept["through"] == tracker.events[-1]["timestamp"], action.name()
        assert {r["symptom_id"] for r in kept["reported"]["reports"]} == {"fever", "headache"}, action.name()


def test_follow_up_after_a_fever_asks_about_related_symptoms_once(extractor):
    tracker = tracker_for("kymriah", "inform_treatment", extractor, earlier=["temp 38.7"])
    messages, events = run(ActionAskFollowUp(), tracker)
    assert messages[0]["text"].startswith("Have you also noticed confusion, trouble speaking or finding words")
    assert slot_events(events) == {
        "follow_up": "related_symptoms",
        "related_asked": ["confusion", "trouble_speaking", "tremor", "trouble_breathing"],
    }
    asked = slot_events(events)["related_asked"]
    tracker = tracker_for(
        "and a headache", "report_symptom", extractor, earlier=["temp 38.7"], slots={"related_asked": asked}
    )
    messages, events = run(ActionAskFollowUp(), tracker)
    assert not set(asked) & set(slot_events(events)["related_asked"][len(asked) :])
    tracker = tracker_for(
        "no",
        "deny",
        extractor,
        slots={"related_asked": ["fever", "confusion", "trouble_speaking", "trouble_breathing"]},
    )
    messages, events = run(ActionAskFollowUp(), tracker)
    assert messages[0]["response"] == "utter_ask_anything_else"
    assert slot_events(events) == {"follow_up": "anything_else"}


def test_follow_up_offers_a_caregiver_the_checks_first(extractor):
    tracker = tracker_for("skip", "skip_question", extractor, earlier=["my wife is muddled and can't find her words"])
    messages, events = run(ActionAskFollowUp(), tracker)
    assert messages[0]["response"] == "utter_offer_caregiver_checks"
    assert slot_events(events) == {"follow_up": "caregiver_checks", "caregiver_checks_offered": True}


def during_checks(text, extractor, check, earlier=(), **slots):
    """A report typed while the caregiver checks ask `check` (a slot such as check_orientation)."""
    return tracker_for(
        text,
        "report_symptom",
        extractor,
        slots={"requested_slot": check, **slots},
        active_loop="caregiver_checks_form",
        earlier=earlier,
    )


def test_a_yes_with_words_the_recogniser_misses_is_a_yes(extractor):
    tracker = during_checks(
        "yes he said we were at the seaside, we're in our kitchen",
        extractor,
        "check_orientation",
        earlier=["my husband is muddled"],
    )
    _, events = run(ActionTriageSymptoms(), tracker)
    assert slot_events(events)["check_orientation"] == "changed"


def test_a_report_during_the_checks_answers_the_check_being_asked(extractor):
    tracker = during_checks(
        "she couldn't tell me where she is", extractor, "check_orientation", earlier=["my mum is confused"]
    )
    _, events = run(ActionTriageSymptoms(), tracker)
    assert slot_events(events)["check_orientation"] == "changed"
    tracker = during_checks("no she's not confused about that", extractor, "check_orientation")
    _, events = run(ActionTriageSymptoms(), tracker)
    assert slot_events(events)["check_orientation"] == "unchanged"
    tracker = tracker_for(
        "she couldn't tell me where she is", "report_symptom", extractor, slots={"requested_slot": "check_orientation"}
    )
    _, events = run(ActionTriageSymptoms(), tracker)
    assert "check_orientation" not in slot_events(events)


def test_a_changed_check_counts_in_the_conversation(extractor):
    tracker = tracker_for(
        "no",
        "deny",
        extractor,
        earlier=["my husband seems a bit off"],
        slots={"check_naming": "changed", "check_orientation": "unchanged"},
    )
    messages, _ = run(ActionSummariseConversation(), tracker)
    assert "- Reported: trouble speaking." in messages[0]["text"]
    assert "My advice: Please contact your care team right away" in messages[0]["text"]


def test_summary_shows_the_treatment_answers(extractor):
    tracker = tracker_for(
        "no",
        "deny",
        extractor,
        earlier=["I have a rash"],
        slots={"therapy": "some trial drug", "treatment_timing": "3 days ago"},
    )
    text = run(ActionSummariseConversation(), tracker)[0][0]["text"]
    assert "- Treatment, in your words: “some trial drug”." in text
    assert "- Last given: 3 days ago." in text
    tracker = tracker_for(
        "no",
        "deny",
        extractor,
        earlier=["I have a rash"],
        slots={"therapy": "elranatamab", "treatment_timing": "unknown"},
    )
    text = run(ActionSummariseConversation(), tracker)[0][0]["text"]
    assert "- Treatment: elranatamab (Elrexfio)." in text or "- Treatment: elranatamab" in text
    assert "- Last given: not known." in text


def test_a_skipped_treatment_question_is_not_a_therapy(extractor):
    tracker = tracker_for("temp 38.5", "report_symptom", extractor, slots={"therapy": "unknown"})
    messages, events = run(ActionTriageSymptoms(), tracker)
    assert messages[0]["custom"]["triage"]["therapy"] is None
    assert "therapy" not in slot_events(events)


def test_in_an_emergency_the_treatment_questions_are_not_asked(extractor):
    from actions.treatment_form import ValidateTreatmentForm

    def required(urgency):
        tracker = tracker_for(
            "my husband had a seizure", "report_symptom", extractor, {"conversation_urgency": urgency}
        )
        slots = ["therapy", "treatment_timing"]
        return asyncio.run(ValidateTreatmentForm().required_slots(slots, CollectingDispatcher(), tracker, {}))

    assert required("emergency") == []
    assert required("urgent") == ["therapy", "treatment_timing"]


def test_an_emergency_turn_ends_by_saying_they_can_come_back_when_safe(extractor):
    from bot.triage import wording

    messages, _ = run(ActionTriageSymptoms(), tracker_for("my husband had a seizure", "report_symptom", extractor))
    text = " ".join(m.get("text") or "" for m in messages)
    assert text.endswith(wording.COME_BACK_WHEN_SAFE)
    assert "?" not in text


def test_an_emergency_during_the_caregiver_checks_ends_them(extractor):
    tracker = during_checks(
        "hes gone stiff and his arms are jerking, he wont answer me",
        extractor,
        "check_naming",
        earlier=["my dad seems a bit muddled tonight"],
        conversation_urgency="urgent",
    )
    _, events = run(ActionTriageSymptoms(), tracker)
    assert [e["name"] for e in events if e["event"] == "active_loop"] == [None], events
    assert slot_events(events)["requested_slot"] is None


def test_a_plain_report_during_the_caregiver_checks_lets_them_go_on(extractor):
    tracker = during_checks("he has a bit of a headache as well", extractor, "check_naming")
    _, events = run(ActionTriageSymptoms(), tracker)
    assert not [e for e in events if e.get("event") == "active_loop"], events
    assert "requested_slot" not in slot_events(events)
