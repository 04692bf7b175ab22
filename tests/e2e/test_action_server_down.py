"""With the action server unreachable, the safety advice (domain responses) must still be sent.

Rasa is started with its action endpoint on a port where nothing listens; the urgency slot is
filled inside Rasa from the NLU component's entity, so utter_symptom_advice still picks the
right variation.
"""

from __future__ import annotations

import pytest

from e2e_support import Conversation, advice_urgency, names_care_team, texts


@pytest.fixture
def chat(stack_without_actions) -> Conversation:
    return Conversation(stack_without_actions.send, prefix="down")


def test_seizure_still_gets_emergency_services_first_and_the_care_team(chat):
    messages = chat.say("my husband had a seizure")
    sent = texts(messages)
    assert sent, messages
    assert "emergency services" in sent[0] and "911" in sent[0], f"emergency advice is not first: {sent}"
    assert advice_urgency(messages) == "emergency", sent
    assert any(names_care_team(t) for t in sent), sent


def test_confused_and_shaky_still_gets_the_care_team_advice(chat):
    messages = chat.say("I feel confused and shaky")
    sent = texts(messages)
    assert advice_urgency(messages) == "urgent", f"expected the urgent care-team advice: {sent}"
    assert names_care_team(sent[0]), sent


def test_swollen_feet_still_names_the_care_team(chat):
    messages = chat.say("my feet are a bit swollen")
    sent = texts(messages)
    assert advice_urgency(messages) is not None, f"no symptom advice: {sent}"
    assert any(names_care_team(t) for t in sent), sent


def test_conversation_goes_on_after_the_failed_action(chat):
    chat.say("I feel confused and shaky")
    messages = chat.say("my husband had a seizure")
    sent = texts(messages)
    assert "emergency services" in sent[0] and "911" in sent[0], sent
