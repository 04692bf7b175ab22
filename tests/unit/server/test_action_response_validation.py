"""The prebuilt validator of action server answers: installed, same verdicts as Rasa's, and fast."""

import copy
import time
from datetime import datetime

import jsonschema
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa_sdk import events

import bot.server.channels  # noqa: F401  (installs the validator, as Rasa's loading of the channels does)
from bot.server.action_response_validation import (
    action_response_validator,
    passes_quickly,
    quick_validators,
    validate_action_result,
)

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


# One event of every type the action server can send, as rasa_sdk writes them.
EVERY_EVENT = [
    events.UserUttered("he has a fever", {"intent": {"name": "report_symptom", "confidence": 0.9}, "entities": []}),
    events.BotUttered("Please contact your care team.", {"custom": {"triage": {"urgency": "urgent"}}}),
    events.SlotSet("triage_state", {"reported": {"reports": []}, "through": 1700000000.5}),
    events.Restarted(),
    events.SessionStarted(),
    events.UserUtteranceReverted(),
    events.AllSlotsReset(),
    events.ReminderScheduled("EXTERNAL_check", trigger_date_time=datetime(2026, 12, 1)),
    events.ReminderCancelled(intent_name="EXTERNAL_check"),
    events.ActionReverted(),
    events.StoryExported(),
    events.FollowupAction("action_ask_follow_up"),
    events.ConversationPaused(),
    events.ConversationResumed(),
    events.ActionExecuted("action_triage_symptoms"),
    events.AgentUttered("hello"),
    events.ActiveLoop("treatment_form"),
    {"event": "form", "name": None},  # the old names of active_loop and loop_interrupted
    {"event": "form_validation", "validate": False},
    events.LoopInterrupted(True),
    events.ActionExecutionRejected("treatment_form"),
    {"event": "entities", "entities": [{"entity": "symptom", "value": "fever"}]},
    {"event": "user_featurization", "use_text_for_featurization": False},
]


def changed_answers():
    """Answers that differ from valid ones in one place each: most are invalid."""
    yield {"events": "slot"}
    yield {"events": [["slot"]]}
    yield {"events": [{"event": "no_such_event"}]}
    yield {"events": [{"event": None}]}
    yield {"responses": "hello"}
    yield {"responses": [{"text": 3}]}
    for event in EVERY_EVENT:
        for key in [*event, "name", "text", "entities", "parse_data"]:
            for value in (None, 3, "x", [], {}, [{"entity": 3}], {"intent": 3}, {"entities": [{"value": 1}]}):
                changed = copy.deepcopy(event)
                changed[key] = value
                yield {"events": [EVERY_EVENT[2], changed]}


def test_the_quick_check_is_built_for_rasas_schema():
    """Fails if Rasa's schema no longer gives each event type a part of its own."""
    assert quick_validators() is not None
    assert set(quick_validators()) - {None} == {event["event"] for event in EVERY_EVENT}


def test_what_passes_the_quick_check_passes_the_whole_schema():
    valid = {"events": EVERY_EVENT, "responses": VALID["responses"]}
    assert action_response_validator().is_valid(valid) and passes_quickly(valid)
    answers = list(changed_answers())
    quick = [answer for answer in answers if passes_quickly(answer)]
    invalid = [answer for answer in answers if not action_response_validator().is_valid(answer)]
    assert len(answers) > 1000 and len(invalid) > 200 and len(quick) > 200
    assert all(action_response_validator().is_valid(answer) for answer in quick)
    for answer in invalid:
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            RemoteAction("action_triage_symptoms", None)._validate_action_result(answer)


def test_the_quick_check_is_faster_than_the_whole_schema():
    """A report's answer: the triage message and four slots. Compared in one run, as a ratio."""
    answer = {"events": [EVERY_EVENT[2]] * 4, "responses": VALID["responses"]}

    def seconds(check, rounds=50):
        started = time.perf_counter()
        for _ in range(rounds):
            check(answer)
        return time.perf_counter() - started

    assert seconds(passes_quickly) * 3 < seconds(action_response_validator().validate)
