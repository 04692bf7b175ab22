"""An emergency turn, over REST and socket.io, for one message of each red-flag catalogue entry:
the emergency advice first, the care team, and no question in that turn (issue 15). Thoughts of
suicide or self-harm are an emergency turn too: emergency services first, then the 988 crisis line,
said without a side-effect quote."""

from __future__ import annotations

from typing import List

import pytest

from bot.triage import wording
from bot.triage.knowledge import load_knowledge
from tests.support.replies import (
    CHECK_QUESTIONS,
    CRISIS,
    advice_urgency,
    asks_a_question,
    ends_an_emergency_turn,
    names_care_team,
    question_asked,
    reply_complete,
    texts,
    triage_payload,
)
from tests.support.socketio_chat import plain_messages
from tests.support.stack import new_sender

# One message per catalogue entry (bot/triage/knowledge/red_flag_catalogue.yml), in new words.
BY_ENTRY = {
    "seizure": "my husband went stiff then his arms were jerking for ages, hes sleepy now",
    "unresponsive_or_collapse": "found mum on the bathroom floor, eyes open but she wont answer me",
    "severe_breathing_trouble": "dad is gasping and cant finish a sentence",
    "chest_pain": "crushing pain in my chest since i got up",
    "stroke_signs": "her face has dropped on the left and her words are slurred",
    "severe_allergic_reaction": "20 mins after the injection his lips have swelled right up",
    "heavy_bleeding": "hes been coughing up blood this evening",
    "severe_headache_or_stiff_neck": "worst headache of my life came on suddenly and my neck is stiff",
    "shock": "temp 39.2 and his skin is cold and clammy and blotchy",
    "dangerous_confusion": "he doesnt know who i am and keeps trying to climb out the window",
    "news2_red_band": "the pulse ox says 86 percent",
}
# The catalogue's suicide_or_self_harm entry, said three ways.
CRISIS_ENTRY = "suicide_or_self_harm"
CRISIS_MESSAGES = [
    "honestly i dont want to be here anymore. whats the point",
    "my son keeps saying hed be better off dead since the car t",
    "I've been thinking about taking all my pills at once",
]
CRISIS_OPENING = "If you or anyone else is in danger right now, call emergency services"


def test_every_catalogue_entry_has_a_message_here():
    entries = {entry.id for entry in load_knowledge().red_flag_catalogue}
    assert entries == set(BY_ENTRY) | {CRISIS_ENTRY}


def assert_emergency_turn(messages: List[dict], urgency: str = "emergency") -> None:
    """Emergency services and the number first, the care team, no question, and the turn ends by
    saying they can come back when safe. `urgency`: which advice was sent (`crisis` for the
    crisis advice)."""
    sent = texts(messages)
    assert sent, "no reply"
    assert advice_urgency(messages) == urgency, sent
    assert "emergency services" in sent[0] and wording.EMERGENCY_NUMBER in sent[0], sent[0]
    assert any(names_care_team(t) for t in sent), sent
    assert not asks_a_question(messages), f"a question in an emergency turn: {sent}"
    assert ends_an_emergency_turn(sent[-1]), sent


def assert_crisis_turn(messages: List[dict]) -> None:
    """An emergency turn with the crisis advice: emergency services, then the 988 line, and no
    side-effect quote."""
    assert_emergency_turn(messages, urgency=CRISIS)
    sent = texts(messages)
    first = " ".join(sent[0].split())
    assert first.startswith(CRISIS_OPENING), first
    assert f"call or text {wording.CRISIS_LINE}" in first and "Suicide & Crisis Lifeline" in first, first
    assert not any("What the documents say" in t or "side effect" in t.lower() for t in sent), sent


@pytest.mark.parametrize("entry", sorted(BY_ENTRY))
def test_rest_emergency_turn_asks_nothing(send, entry):
    messages = send(new_sender(f"emergency-{entry}"), BY_ENTRY[entry])
    assert_emergency_turn(messages)
    assert triage_payload(messages)["urgency"] == "emergency"


def test_an_emergency_during_the_caregiver_checks_ends_them_and_asks_nothing(send):
    sender = new_sender("emergency-during-checks")
    offer = texts(send(sender, "my husband seems a bit confused tonight, kymriah a week ago"))
    assert question_asked(offer[-1]) == "utter_offer_caregiver_checks", offer
    first_check = texts(send(sender, "yes please"))
    assert question_asked(first_check[-1]) in CHECK_QUESTIONS, first_check
    assert_emergency_turn(send(sender, "oh god hes gone stiff and his arms are jerking, he wont answer me"))
    after = texts(send(sender, "ok the ambulance is here"))
    assert not [t for t in after if question_asked(t) in CHECK_QUESTIONS], (
        f"the checks went on after an emergency: {after}"
    )


@pytest.mark.parametrize("entry", ["seizure", "stroke_signs", "severe_allergic_reaction"])
def test_socketio_emergency_turn_asks_nothing(socket_chat, entry):
    chat = socket_chat()
    assert_emergency_turn(plain_messages(chat.say(BY_ENTRY[entry], until=reply_complete)))


@pytest.mark.parametrize("message", CRISIS_MESSAGES)
def test_rest_crisis_gets_emergency_services_and_988_and_no_side_effect_quote(send, message):
    messages = send(new_sender("crisis"), message)
    assert_crisis_turn(messages)
    payload = triage_payload(messages)
    assert payload["urgency"] == "emergency" and payload["crisis"] is True, payload


def test_socketio_crisis_gets_the_same_turn(socket_chat):
    chat = socket_chat()
    assert_crisis_turn(plain_messages(chat.say(CRISIS_MESSAGES[0], until=reply_complete)))
