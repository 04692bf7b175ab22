"""Adding up a conversation: once per turn, from the kept state, the same for the chat and agent assist."""

from dataclasses import replace
from datetime import date

import pytest

from bot.triage.conversation import (
    STATE_SLOT,
    ConversationState,
    add_up,
    closing_summary,
    first_event_read,
    may_ask_a_question,
)
from tests.support.events import user_event, user_events

TODAY = date(2026, 11, 29)
TURNS = [
    "my wife had her car t last week and she's burning up, 38.9",
    "she's shivering too",
    "no headache",
    "now she seems really confused",
    "still 38.9",
]


def added_up_turn_by_turn(extractor, texts, slots=None):
    """The conversation as the actions add it up: each turn from the state the one before kept."""
    events, slots = [], dict(slots or {})
    for i, text in enumerate(texts):
        events.append(user_event(text, extractor, timestamp=2000.0 + i))
        conversation = add_up(events, slots, TODAY)
        slots[STATE_SLOT] = conversation.state.as_slot()
    return conversation


def test_turn_by_turn_from_the_kept_state_equals_adding_up_from_scratch(extractor):
    kept = added_up_turn_by_turn(extractor, TURNS)
    scratch = add_up(user_events(extractor, *TURNS, start=2000.0), {}, TODAY)
    assert kept.result == scratch.result
    assert kept.result.urgency == "urgent"
    assert {s.id for s in kept.result.present} == {"fever", "chills", "confusion"}
    assert [s.id for s in kept.result.negated] == ["headache"]


def test_adding_up_reads_nothing_before_the_first_event_read(extractor):
    """What the server leaves out of the actions' request (bot/server/action_request.py): the events
    before the kept state's last turn, or before the session started again when it no longer holds."""
    events, slots = [{"event": "session_started", "timestamp": 1999.0}], {}
    for i, text in enumerate(TURNS):
        if i == 3:  # a restart: the kept state's last turn is in the conversation before it
            events += [
                {"event": "restart", "timestamp": 2000.2 + i},
                {"event": "session_started", "timestamp": 2000.3 + i},
            ]
        events += [user_event(text, extractor, timestamp=2000.5 + i), {"event": "bot", "timestamp": 2000.6 + i}]
        first = first_event_read(events, slots.get(STATE_SLOT))
        assert events[first]["event"] == ("session_started" if i in (0, 3) else "user")
        assert first == len(events) - (3 if i in (0, 3) else 4)
        conversation = add_up(events, slots, TODAY)
        assert add_up(events[first:], slots, TODAY) == conversation
        slots[STATE_SLOT] = conversation.state.as_slot()


def test_earlier_turns_are_not_read_again_once_kept(extractor):
    events = user_events(extractor, *TURNS[:2])
    state = add_up(events, {}, TODAY).state
    # Earlier turns that could not be read at all: were they read again, triage would fail.
    unreadable = [
        dict(
            e,
            parse_data={
                "entities": [{"entity": "symptom", "value": "no-such-symptom", "extractor": "SymptomEntityExtractor"}]
            },
        )
        for e in events
    ]
    later = unreadable + [user_event(TURNS[3], extractor, timestamp=events[-1]["timestamp"] + 1)]
    conversation = add_up(later, {STATE_SLOT: state.as_slot()}, TODAY)
    assert {s.id for s in conversation.result.present} == {"fever", "chills", "confusion"}


def test_the_kept_state_holds_one_report_per_symptom_however_long_the_conversation(extractor):
    conversation = added_up_turn_by_turn(extractor, ["temp 38.5"] + ["still got a temperature"] * 30)
    assert len(conversation.state.reported.reports) == 1
    assert conversation.result.present[0].id == "fever"


def test_a_symptom_said_again_later_counts_as_worse(extractor):
    conversation = added_up_turn_by_turn(extractor, ["bit of a rash on his arm", "the rash again"])
    assert conversation.result.urgency == "urgent"


def test_a_new_session_starts_from_nothing_even_with_the_slot_carried_over(extractor):
    first = add_up(user_events(extractor, "she had a fit"), {}, TODAY)
    events = user_events(extractor, "she had a fit") + [
        {"event": "session_started", "timestamp": 5000.0},
        user_event("just a bit tired", extractor, timestamp=5001.0),
    ]
    conversation = add_up(events, {STATE_SLOT: first.state.as_slot()}, TODAY)
    assert [s.id for s in conversation.result.present] == ["fatigue"]


def test_a_state_this_version_cannot_read_is_ignored_not_trusted(extractor):
    events = user_events(extractor, "he has a headache")
    conversation = add_up(events, {STATE_SLOT: {"reported": {"reports": [{"bogus": 1}]}, "through": 1000.0}}, TODAY)
    assert [s.id for s in conversation.result.present] == ["headache"]
    assert ConversationState.from_slot("nonsense") is None


def test_form_answers_and_caregiver_checks_count(extractor):
    slots = {"therapy": "tisagenlecleucel", "treatment_timing": "5 days ago", "check_orientation": "changed"}
    conversation = add_up(user_events(extractor, "my husband is a bit muddled"), slots, TODAY)
    assert conversation.result.therapy.id == "tisagenlecleucel"
    assert conversation.result.days_since_treatment == 5
    assert any(r.text.startswith("caregiver check") for r in conversation.reported.reports)
    assert "Treatment: " in closing_summary(conversation)


def test_the_summary_of_nothing_still_names_the_care_team():
    conversation = add_up([], {}, TODAY)
    assert "care team" in closing_summary(replace(conversation))


def test_naming_the_drug_later_never_lowers_what_they_were_told(extractor):
    told = added_up_turn_by_turn(extractor, ["my hands are tingling a bit"])
    assert told.result.urgency == "urgent"  # treatment not known: right away
    later = added_up_turn_by_turn(extractor, ["my hands are tingling a bit", "she's on revlimid"])
    assert later.result.therapy.id == "lenalidomide"
    assert later.result.urgency == "urgent" and later.result.advice == told.result.advice
    assert later.state.highest_urgency == "urgent"
    # Told both at once, lenalidomide's tingling is routine: nothing higher was said before.
    at_once = add_up(user_events(extractor, "my hands are tingling a bit", "she's on revlimid"), {}, TODAY)
    assert at_once.result.urgency == "routine"


def test_after_an_emergency_a_thank_you_is_still_an_emergency(extractor):
    conversation = added_up_turn_by_turn(extractor, ["dad's having a fit, hes jerking all over", "thanks"])
    assert conversation.result.urgency == "emergency"
    assert conversation.state.highest_urgency == "emergency"


def test_the_urgency_told_comes_from_the_kept_state_not_the_urgency_slot(extractor):
    told = add_up(user_events(extractor, "my hands are tingling a bit"), {}, TODAY)
    events = user_events(extractor, "my hands are tingling a bit", "she's on revlimid")
    # The kept state says urgent was told, the slot says nothing was: urgent.
    kept = {STATE_SLOT: told.state.as_slot(), "conversation_urgency": "none"}
    assert add_up(events, kept, TODAY).result.urgency == "urgent"
    # The slot alone, without the kept state, is not read.
    assert add_up(events, {"conversation_urgency": "urgent"}, TODAY).result.urgency == "routine"


def test_a_new_session_is_not_held_to_the_last_one_s_urgency(extractor):
    first = add_up(user_events(extractor, "she had a fit"), {}, TODAY)
    events = user_events(extractor, "she had a fit") + [
        {"event": "session_started", "timestamp": 5000.0},
        user_event("just a bit tired", extractor, timestamp=5001.0),
    ]
    conversation = add_up(events, {STATE_SLOT: first.state.as_slot()}, TODAY)
    assert first.state.highest_urgency == "emergency"
    assert conversation.result.urgency == "urgent"  # tiredness, treatment not known: right away


def test_a_kept_urgency_this_version_cannot_read_is_ignored_not_trusted():
    assert ConversationState.from_slot({"reported": {"reports": []}, "highest_urgency": "sky high"}) is None


@pytest.mark.parametrize(
    "texts,may_ask",
    [
        (["hes having a fit and i cant wake him"], False),
        (["mum's temp is 38.6 and shes shivery"], True),
        (["dad just seems a bit tired today"], True),
        # An emergency earlier in the conversation: nothing is asked for the rest of it.
        (["her face has dropped on one side", "she had the car t 10 days ago"], False),
    ],
)
def test_an_emergency_turn_asks_no_question(extractor, texts, may_ask):
    conversation = added_up_turn_by_turn(extractor, texts)
    assert may_ask_a_question(conversation.result.urgency) is may_ask


def test_before_anything_is_reported_a_question_may_be_asked():
    assert may_ask_a_question(None)
