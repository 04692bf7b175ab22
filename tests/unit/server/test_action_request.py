"""The action server is sent the events the actions read: every action of actions/ answers the
slimmer request as it answers the whole tracker, after every event of a caregiver's conversation,
and the request no longer grows with the conversation."""

import asyncio
import hashlib
import inspect
import json
from typing import Any, Callable, Dict, List

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.executor import ActionExecutor

from bot import REPO_ROOT
from bot.server import action_request, patches
from bot.server.action_request import RASA_ACTION_CALL_FORMAT, action_call_format
from bot.triage.conversation import STATE_SLOT
from tests.support.events import user_event

TRIAGE = "action_triage_symptoms"
CHECKS = "caregiver_checks_form"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(REPO_ROOT / "domain.yml"))


@pytest.fixture(scope="module")
def executor() -> ActionExecutor:
    executor = ActionExecutor()
    executor.register_package("actions")
    return executor


def request(call_format: Callable, name: str, tracker: DialogueStateTracker, domain: Domain) -> Dict[str, Any]:
    """The body as the action server reads it, through JSON."""
    return json.loads(json.dumps(call_format(RemoteAction(name, None), tracker, domain)))


class Conversation:
    """A conversation logged as the processor logs it; every event is checked as it is added."""

    def __init__(self, domain: Domain, executor: ActionExecutor, check: Callable[["Conversation"], None]):
        self.domain, self.executor, self.check = domain, executor, check
        self.tracker = DialogueStateTracker("caregiver", domain.slots)
        self.clock = 1_700_000_000.0

    def add(self, *events: Event) -> None:
        for event in events:
            self.clock += 1.5
            event.timestamp = self.clock
            self.tracker.update(event)
            self.check(self)

    def answer(self, name: str) -> Dict[str, Any]:
        body = request(action_request.action_call_format, name, self.tracker, self.domain)
        return asyncio.run(self.executor.run(body))

    def session_start(self, carried_over: bool = False) -> None:
        slots = [SlotSet(s.name, s.value) for s in self.tracker.slots.values() if s.has_been_set and carried_over]
        self.add(ActionExecuted("action_session_start"), SessionStarted(), *slots, ActionExecuted("action_listen"))

    def says(self, text: str, extractor, intent: str = "report_symptom") -> None:
        said = Event.from_parameters(user_event(text, extractor, intent))
        self.add(said, DefinePrevUserUtteredFeaturization(False))

    def runs(self, *names: str) -> None:
        """Rasa's actions and responses, and custom actions (their answer applied, as Rasa applies it)."""
        for name in names:
            if name not in self.executor.actions:
                self.add(ActionExecuted(name), *([BotUttered(f"({name})")] if name.startswith("utter_") else []))
                continue
            answer = self.answer(name)
            self.add(ActionExecuted(name))
            for reply in answer["responses"]:
                self.add(BotUttered(reply.get("text"), {"custom": reply.get("custom")}))
            for event in answer["events"]:
                self.add(Event.from_parameters(event))

    def reports(self, text: str, extractor) -> None:
        self.says(text, extractor)
        self.runs("utter_symptom_advice", TRIAGE)
        self.add(ActionExecuted("treatment_form"), ActiveLoop("treatment_form"))
        self.runs("validate_treatment_form")
        self.add(SlotSet("requested_slot", None), ActiveLoop(None))
        self.runs("action_ask_follow_up", "action_listen")


def caregiver_conversation(conversation: Conversation, extractor) -> None:
    """Reports, treatment answers, a message nobody understood (reverted), document questions, the
    caregiver checks with a report during them, the summary, a restart and a new session whose
    slots (the kept state among them) are carried over."""
    conversation.session_start()
    conversation.reports("my dad had kymriah last week and he has a temperature of 38.2", extractor)
    conversation.says("blorp fnar", extractor, "nlu_fallback")
    conversation.add(
        ActionExecuted("action_default_fallback"), UserUtteranceReverted(), ActionExecuted("action_listen")
    )
    conversation.says("yescarta", extractor, "inform")
    conversation.add(SlotSet("therapy", "axicabtagene_ciloleucel"), ActionExecuted("action_listen"))
    conversation.reports("he also has a headache", extractor)
    conversation.says("what is CRS?", extractor, "ask_what_is")
    conversation.runs("action_explain_topic", "action_listen")
    conversation.says("is tremor a side effect?", extractor, "ask_side_effects")
    conversation.runs("action_list_side_effects", "action_listen")
    conversation.says("yes please", extractor, "affirm")
    conversation.add(ActionExecuted(CHECKS), ActiveLoop(CHECKS), SlotSet("requested_slot", "check_orientation"))
    conversation.add(ActionExecuted("action_listen"))
    conversation.says("yes he keeps asking what year it is", extractor)
    conversation.runs("utter_symptom_advice", TRIAGE)
    conversation.add(ActionExecuted(CHECKS), SlotSet("requested_slot", "check_naming"), ActionExecuted("action_listen"))
    conversation.says("can he drive next week?", extractor, "ask_driving")
    conversation.runs("action_answer_driving", "action_listen")
    conversation.says("no", extractor, "deny")
    conversation.runs("action_summarise_conversation", "utter_goodbye", "action_listen")
    conversation.says("/restart", extractor, "restart")
    conversation.add(ActionExecuted("action_restart"), Restarted())
    conversation.session_start()
    conversation.reports("she is very sleepy and cant find her words", extractor)
    conversation.session_start(carried_over=True)  # an hour later
    conversation.says("and now she has a rash", extractor)
    conversation.runs("utter_symptom_advice", TRIAGE, "action_summarise_conversation")


def test_every_action_answers_the_slimmer_request_as_the_whole_tracker(domain, executor, extractor):
    checked: List[int] = []

    def every_action_alike(conversation: Conversation) -> None:
        for name in conversation.executor.actions:
            whole = request(RASA_ACTION_CALL_FORMAT, name, conversation.tracker, domain)
            slimmer = request(action_call_format, name, conversation.tracker, domain)
            assert asyncio.run(executor.run(slimmer)) == asyncio.run(executor.run(whole)), (name, whole["tracker"])
        checked.append(len(slimmer["tracker"]["events"]))

    caregiver_conversation(Conversation(domain, executor, every_action_alike), extractor)
    assert set(executor.actions) >= {TRIAGE, "validate_treatment_form", "action_summarise_conversation"}
    assert len(checked) > 100 and min(checked) < max(checked) < 60


def test_the_request_is_rasas_but_for_the_events_before_those_the_actions_read(domain, executor, extractor):
    def as_rasa(conversation: Conversation) -> None:
        whole = request(RASA_ACTION_CALL_FORMAT, TRIAGE, conversation.tracker, domain)
        slimmer = request(action_call_format, TRIAGE, conversation.tracker, domain)
        sent, every = slimmer["tracker"].pop("events"), whole["tracker"].pop("events")
        assert slimmer == whole
        assert sent and sent == every[len(every) - len(sent) :]

    caregiver_conversation(Conversation(domain, executor, as_rasa), extractor)


def test_the_request_no_longer_grows_with_the_conversation(domain, executor, extractor):
    """At each report it carries the turns since the one the kept state was added up through."""
    conversation = Conversation(domain, executor, lambda _: None)
    conversation.session_start()
    sent = []
    for text in ["he has a fever of 38.4", "he is very tired", "he feels sick", "his hands are shaking"] * 5:
        conversation.says(text, extractor)
        conversation.runs("utter_symptom_advice")
        sent.append(request(action_call_format, TRIAGE, conversation.tracker, domain)["tracker"]["events"])
        conversation.runs(TRIAGE, "action_ask_follow_up", "action_listen")
    assert conversation.tracker.get_slot(STATE_SLOT) is not None
    assert len(conversation.tracker.events) > 200
    assert [event["event"] for event in sent[-1]][:2] == ["user", "user_featurization"]
    assert max(len(events) for events in sent[1:]) < 20


def test_what_is_written_as_rasa_writes_it_is_the_pinned_rasas():
    source = "".join(
        inspect.getsource(function)
        for function in (
            RASA_ACTION_CALL_FORMAT,
            DialogueStateTracker.current_state,
            DialogueStateTracker._events_for_verbosity,
        )
    )
    assert hashlib.sha256(source.encode()).hexdigest() == action_request.RASA_SOURCE_SHA256


def test_the_process_patches_install_it():
    patches.install_process_patches()
    assert RemoteAction._action_call_format is action_call_format
