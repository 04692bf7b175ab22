"""With the action server unreachable, the safety advice (domain responses) must still be sent.

Rasa is started with its action endpoint on a port where nothing listens; the urgency slot is
filled inside Rasa from the NLU component's entity, so utter_symptom_advice still picks the
right variation. Rasa logs the failure at ERROR, readiness says which part is down, and when the
action server comes back on its port, normal replies (with the triage payload) resume.
"""

from __future__ import annotations

import pytest
import requests

from tests.support.replies import Conversation, advice_urgency, names_care_team, present_ids, texts, triage_payload


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


def test_the_failed_action_is_logged_and_readiness_names_the_action_server(chat, stack_without_actions):
    chat.say("I have a fever of 39")
    assert "ERROR    rasa.core.actions.action  - Failed to run custom action 'action_triage_symptoms'" in (
        stack_without_actions.rasa_log()
    )
    answer = requests.get(stack_without_actions.url + "/webhooks/health/ready", timeout=10)
    assert answer.status_code == 503, answer.text
    checks = answer.json()["checks"]
    assert checks["action_server"]["ok"] is False and checks["tracker_store"]["ok"] is True, checks


def test_normal_replies_resume_when_the_action_server_returns(chat, stack_without_actions):
    """Last in this module: the action server stays up (on the port Rasa calls) until the stack stops."""
    assert triage_payload(chat.say("I have a fever of 39")) is None
    stack_without_actions.start_action_server()
    assert requests.get(stack_without_actions.url + "/webhooks/health/ready", timeout=10).status_code == 200
    messages = chat.say("and now I feel confused")
    payload = triage_payload(messages)
    assert payload is not None, texts(messages)
    assert {"fever", "confusion"} <= set(present_ids(payload)), payload
