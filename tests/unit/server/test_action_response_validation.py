"""The prebuilt validator of action server answers: installed, same verdicts as Rasa's, and fast."""

import time

import jsonschema
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import bot.server.channels  # noqa: F401  (installs the validator, as Rasa's loading of the channels does)
from bot.server.action_response_validation import validate_action_result

VALID = {
    "events": [{"event": "slot", "name": "urgency", "value": "urgent"}],
    "responses": [{"text": "Please contact your care team right away.", "custom": {"triage": {}}}],
}
INVALID = [
    {"events": [{"name": "urgency"}]},  # an event without its type
    {"events": "slot"},
    {"events": [{"event": 3}]},
]


def test_loading_the_channels_installs_it():
    assert RemoteAction._validate_action_result is validate_action_result


def test_a_valid_answer_passes():
    assert RemoteAction("action_triage_symptoms", None)._validate_action_result(VALID)


@pytest.mark.parametrize("answer", INVALID)
def test_an_invalid_answer_is_refused_as_rasa_refuses_it(answer):
    with pytest.raises(ValidationError):
        jsonschema.validate(answer, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        RemoteAction("action_triage_symptoms", None)._validate_action_result(answer)


def test_it_is_much_faster_than_checking_the_schema_each_time():
    """Compared in one run, as a ratio (timings on a shared machine are noisy)."""
    action = RemoteAction("action_triage_symptoms", None)
    action._validate_action_result(VALID)

    def seconds(check, rounds=20):
        started = time.perf_counter()
        for _ in range(rounds):
            check()
        return time.perf_counter() - started

    stock = seconds(lambda: jsonschema.validate(VALID, RemoteAction.action_response_format_spec()))
    prebuilt = seconds(lambda: action._validate_action_result(VALID))
    assert prebuilt * 10 < stock
