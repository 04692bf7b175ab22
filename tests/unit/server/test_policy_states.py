"""The policies' states from a kept replay are Rasa's own, after every event of a conversation that
goes through the project's forms, a fallback, a restart and a new session, also when the tracker is
read back from the database between calls and when a caller changes what it was given."""

import hashlib
import inspect
import json
import operator
import tarfile
from typing import Any, Dict, List, Optional

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import REPO_ROOT
from bot.server import patches, policy_states
from bot.server.policy_states import (
    RASA_APPLIED_EVENTS,
    RASA_STATES_FOR_TRACKER_HISTORY,
    KeptConversations,
    kept_applied_events,
    states_for_tracker_history,
)

MODEL = REPO_ROOT / "models" / "triage.tar.gz"
# The trained RulePolicy's (models/triage.tar.gz, rule_only_data.json) at the time of writing.
RULE_ONLY_DATA = {"rule_only_slots": [], "rule_only_loops": ["caregiver_checks_form"]}
# And one that also takes out the one slot that shapes the conversation.
MORE_RULE_ONLY_DATA = {"rule_only_slots": ["follow_up"], "rule_only_loops": ["caregiver_checks_form"]}


def trained_rule_only_data() -> Dict[str, List[str]]:
    if not MODEL.exists():
        return RULE_ONLY_DATA
    with tarfile.open(MODEL) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("RulePolicy0/rule_only_data.json"))
        return json.load(archive.extractfile(member))


ARGUMENTS = [  # (omit_unset_slots, ignore_rule_only_turns, rule_only_data): as RulePolicy, then MemoizationPolicy
    (False, False, None),
    (False, True, trained_rule_only_data()),
    (False, True, MORE_RULE_ONLY_DATA),
    (False, True, None),
    (True, False, None),
]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(REPO_ROOT / "domain.yml"))


@pytest.fixture(autouse=True)
def nothing_kept():
    policy_states.KEPT.clear()
    yield
    policy_states.KEPT.clear()


def said(text: str, intent: str, *entities: Dict[str, Any]) -> UserUttered:
    parse_data = {"intent": {"name": intent, "confidence": 0.93}, "entities": list(entities), "text": text}
    return UserUttered(text, {"name": intent, "confidence": 0.93}, list(entities), parse_data)


def entity(kind: str, value: Any, role: Optional[str] = None) -> Dict[str, Any]:
    found = {"entity": kind, "value": value, "start": 0, "end": 4, "extractor": "SymptomEntityExtractor"}
    if role:
        found["role"] = role
    return found


def action(name: str, policy: str = "RulePolicy", hide_rule_turn: bool = False) -> ActionExecuted:
    return ActionExecuted(name, policy=policy, confidence=1.0, hide_rule_turn=hide_rule_turn)


def session_start() -> List[Event]:
    return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]


def predicted() -> DefinePrevUserUtteredFeaturization:
    """What the policy ensemble adds after its first prediction of a turn."""
    return DefinePrevUserUtteredFeaturization(False)


def caregiver_conversation() -> List[Event]:
    """A caregiver's conversation as the processor logs it: a fever after Kymriah, the treatment
    form (its second run folded away by Rasa), the caregiver checks (rule-only turns, an unhappy
    path), a follow-up action, a message nobody understood (reverted), a restart and a new session."""
    return [
        *session_start(),
        said(
            "my dad has a fever of 39 and shakes, he had kymriah",
            "report_symptom",
            entity("symptom", "fever", "present"),
            entity("temperature", "39"),
            entity("therapy", "tisagenlecleucel"),
            entity("urgency", "urgent"),
        ),
        SlotSet("therapy", "tisagenlecleucel"),
        SlotSet("urgency", "urgent"),
        predicted(),
        action("utter_symptom_advice"),
        BotUttered("Call the care team now. If he gets worse, call 911."),
        action("action_triage_symptoms"),
        SlotSet("triage_state", {"turns": 1, "symptoms": ["fever"]}),
        SlotSet("conversation_urgency", "urgent"),
        action("treatment_form"),
        ActiveLoop("treatment_form"),
        SlotSet("requested_slot", "treatment_timing"),
        BotUttered("When did he have the infusion?"),
        action("action_listen"),
        said("last tuesday i think", "inform_treatment", entity("days_since_treatment", 6)),
        SlotSet("treatment_timing", 6),
        SlotSet("days_since_treatment", 6.0),
        predicted(),
        action("treatment_form"),
        SlotSet("requested_slot", None),
        ActiveLoop(None),
        action("action_ask_follow_up"),
        SlotSet("follow_up", "caregiver_checks"),
        BotUttered("Would you like to go through four quick checks of how he is thinking?"),
        action("action_listen"),
        said("yes please", "affirm"),
        predicted(),
        action("caregiver_checks_form", hide_rule_turn=True),
        ActiveLoop("caregiver_checks_form"),
        SlotSet("requested_slot", "check_orientation"),
        BotUttered("Is he confused about where he is or what day it is?"),
        action("action_listen", hide_rule_turn=True),
        said("no he knows where he is", "deny"),
        SlotSet("check_orientation", "unchanged"),
        predicted(),
        action("caregiver_checks_form", hide_rule_turn=True),
        SlotSet("requested_slot", "check_naming"),
        action("action_listen", hide_rule_turn=True),
        said("what is ICANS", "ask_what_is", entity("topic", "icans")),
        predicted(),
        ActionExecutionRejected("caregiver_checks_form"),
        action("action_explain_topic"),
        BotUttered("ICANS is a side effect that affects the brain (acs-car-t-side-effects)."),
        action("caregiver_checks_form", hide_rule_turn=True),
        action("action_listen", hide_rule_turn=True),
        said("not sure", "skip_question"),
        SlotSet("check_naming", "not_sure"),
        predicted(),
        action("caregiver_checks_form", hide_rule_turn=True),
        SlotSet("requested_slot", None),
        ActiveLoop(None),
        action("utter_caregiver_checks_result", hide_rule_turn=True),
        FollowupAction("action_ask_follow_up"),
        action("action_ask_follow_up"),
        SlotSet("follow_up", "anything_else"),
        action("action_listen"),
        said("blorp fnar", "nlu_fallback"),
        predicted(),
        action("action_default_fallback"),
        BotUttered("Sorry, I did not understand. Please contact your care team."),
        UserUtteranceReverted(),
        action("action_listen"),
        said("thanks thats all, bye", "goodbye"),
        predicted(),
        action("action_summarise_conversation"),
        action("utter_goodbye"),
        action("action_listen"),
        said("/restart", "restart"),
        predicted(),
        action("action_restart"),
        Restarted(),
        *session_start(),
        said(
            "its me again, she is very sleepy and cant find words",
            "report_symptom",
            entity("symptom", "drowsiness", "present"),
            entity("symptom", "word_finding", "present"),
            entity("reporter", "caregiver"),
        ),
        predicted(),
        action("utter_symptom_advice"),
        action("action_triage_symptoms"),
        action("action_listen"),
        *session_start(),  # a new session an hour later: Rasa's tracker starts again
        said("hello", "greet"),
        predicted(),
        action("utter_greet"),
        action("action_listen"),
    ]


def served_tracker(domain: Domain, sender: str = "caregiver") -> DialogueStateTracker:
    return DialogueStateTracker(sender, domain.slots)


def read_back(domain: Domain, tracker: DialogueStateTracker) -> DialogueStateTracker:
    """The tracker as reading it from the database builds it: new events from their JSON."""
    events = [Event.from_parameters(json.loads(json.dumps(event.as_dict()))) for event in tracker.events]
    return DialogueStateTracker.from_events(tracker.sender_id, events, domain.slots)


def assert_as_rasa(domain: Domain, tracker: DialogueStateTracker, arguments=ARGUMENTS) -> None:
    for omit_unset_slots, ignore_rule_only_turns, rule_only_data in arguments:
        kept = states_for_tracker_history(domain, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        rasas = RASA_STATES_FOR_TRACKER_HISTORY(
            domain, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data
        )
        assert kept == rasas, (len(tracker.events), omit_unset_slots, ignore_rule_only_turns, rule_only_data)


def test_after_every_event_the_states_are_rasas(domain):
    tracker = served_tracker(domain)
    for event in caregiver_conversation():
        tracker.update(event)
        assert_as_rasa(domain, tracker)
    assert len(policy_states.KEPT) == 1


def test_after_every_event_read_back_from_the_database_the_states_are_rasas(domain):
    tracker = served_tracker(domain)
    for event in caregiver_conversation():
        tracker.update(event)
        tracker = read_back(domain, tracker)
        assert_as_rasa(domain, tracker)


def test_the_states_are_replayed_from_the_start_only_when_rasa_takes_back_an_event(domain, monkeypatch):
    """A session start, the form's second run that Rasa folds away, the fallback's revert, the
    restart: otherwise only the new events are replayed."""
    starts = []
    start = policy_states.Replay.start.__func__
    monkeypatch.setattr(policy_states.Replay, "start", classmethod(lambda cls, *a: starts.append(1) or start(cls, *a)))
    tracker = served_tracker(domain)
    before: List[Event] = []
    taken_back = 0
    for event in caregiver_conversation():
        tracker.update(event)
        applied = tracker.applied_events()
        taken_back += any(mine is not theirs for mine, theirs in zip(before, applied)) or len(applied) < len(before)
        before = applied
        states_for_tracker_history(domain, tracker, False, True, RULE_ONLY_DATA)
    assert 5 <= taken_back < 15 and len(starts) == 1 + taken_back


@pytest.mark.parametrize("read_back_each_time", [False, True])
def test_the_kept_applied_events_are_rasas_after_every_event(domain, monkeypatch, read_back_each_time):
    """And Rasa works them out only when the new events are not simply appended."""
    worked_out = []

    def counted(tracker):
        worked_out.append(1)
        return RASA_APPLIED_EVENTS(tracker)

    monkeypatch.setattr(DialogueStateTracker, "applied_events", counted)
    monkeypatch.setattr(policy_states, "RASA_APPLIED_EVENTS", counted)
    conversation = policy_states.Conversation()
    tracker = served_tracker(domain)
    events = caregiver_conversation()
    for event in events:
        tracker.update(event)
        if read_back_each_time:
            tracker = read_back(domain, tracker)
        applied, rasas = conversation.applied_events(tracker), RASA_APPLIED_EVENTS(tracker)
        assert len(applied) == len(rasas) and all(map(operator.is_, applied, rasas)), len(tracker.events)
    assert len(worked_out) < len(events) / 2


@pytest.mark.parametrize("read_back_each_time", [False, True])
def test_the_trackers_own_applied_events_are_rasas_after_every_event(domain, monkeypatch, read_back_each_time):
    """Served, the tracker's applied_events comes from the kept ones, also inside Rasa's replay
    after a revert; each caller gets a list of its own."""
    monkeypatch.setattr(DialogueStateTracker, "applied_events", kept_applied_events)
    tracker, rasas_tracker = served_tracker(domain), served_tracker(domain)
    for event in caregiver_conversation():
        tracker.update(event)
        rasas_tracker.update(Event.from_parameters(event.as_dict()))
        if read_back_each_time:
            tracker = read_back(domain, tracker)
        applied = tracker.applied_events()
        assert applied == RASA_APPLIED_EVENTS(tracker) and all(map(operator.is_, applied, RASA_APPLIED_EVENTS(tracker)))
        applied.clear()
        assert len(tracker.applied_events()) == len(RASA_APPLIED_EVENTS(tracker))
        assert tracker.current_state() == rasas_tracker.current_state()
        assert tracker.active_loop == rasas_tracker.active_loop and tracker.latest_action == rasas_tracker.latest_action
    assert len(policy_states.KEPT) == 1


def test_a_caller_changing_the_states_it_was_given_does_not_change_the_next_ones(domain):
    tracker = served_tracker(domain)
    for event in caregiver_conversation():
        tracker.update(event)
        for omit_unset_slots, ignore_rule_only_turns, rule_only_data in ARGUMENTS:
            given = states_for_tracker_history(
                domain, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data
            )
            # As the featurizer's _choose_last_user_input does, then worse.
            given[-1].get("user", {}).pop("text", None)
            for state in given:
                for part in state.values():
                    part.clear()
                state.clear()
        assert_as_rasa(domain, tracker)


def test_what_rasa_shares_between_states_the_copies_share():
    """_substitute_rule_only_user_input gives a state the previous state's user part: deleting
    from the last state's (the featurizer) changes both in Rasa's result, and so in the copy."""
    user = {"intent": "deny", "text": "no"}
    states = [{"user": user, "prev_action": {"action_name": "action_listen"}}, {"user": user}]
    copied = policy_states.copy_states(states)
    assert copied == states and copied[0]["user"] is copied[1]["user"] and copied[0]["user"] is not user


def test_the_parts_of_a_state_hold_only_values_nobody_can_change(domain):
    """Why copying a state and its parts is a full copy: fails if Rasa puts lists or dicts in them."""
    tracker = served_tracker(domain)
    for event in caregiver_conversation():
        tracker.update(event)
        for arguments in ARGUMENTS:
            for state in RASA_STATES_FOR_TRACKER_HISTORY(domain, tracker, *arguments):
                for part in state.values():
                    for value in part.values():
                        assert isinstance(value, (str, tuple)), value
                        assert all(
                            isinstance(item, (str, int, float)) for item in (value if isinstance(value, tuple) else ())
                        )


def test_a_user_message_changed_after_its_state_was_kept_is_read_again(domain):
    """A later DefinePrevUserUtteredFeaturization or EntitiesAdded changes the latest user message
    in place, also when a kept state was built from it: Rasa's replay reads it as it is now."""
    tracker = served_tracker(domain)
    for event in [*session_start(), said("i feel hot", "report_symptom"), predicted(), action("action_listen")]:
        tracker.update(event)
    assert_as_rasa(domain, tracker)
    tracker.update(DefinePrevUserUtteredFeaturization(True))  # the message's text, not its intent
    assert_as_rasa(domain, tracker)
    tracker.update(EntitiesAdded([entity("symptom", "fever", "present")]))
    assert_as_rasa(domain, tracker)


def test_another_tracker_with_the_same_sender_gets_its_own_states(domain):
    """E.g. a policy's shortened copy of the conversation: replayed from its start, as Rasa does."""
    whole = served_tracker(domain)
    for event in caregiver_conversation()[:40]:
        whole.update(event)
    shortened = DialogueStateTracker.from_events("caregiver", whole.applied_events()[12:], domain.slots)
    for tracker in (whole, shortened, whole, shortened):
        assert_as_rasa(domain, tracker)


@pytest.mark.parametrize("change", ["intent", "entities", "hidden turn"])
def test_a_copy_that_reads_differently_is_not_taken_for_the_kept_event(domain, change):
    """Copies read back from the database are taken for the kept events only when alike in what the
    states read: Rasa's own comparison leaves out entity types and whether a turn is hidden."""
    tracker = served_tracker(domain)
    for event in caregiver_conversation()[:60]:
        tracker.update(event)
    assert_as_rasa(domain, tracker)
    copies = read_back(domain, tracker).events
    if change == "hidden turn":
        checks = next(e for e in copies if isinstance(e, ActionExecuted) and e.action_name == "caregiver_checks_form")
        checks.hide_rule_turn = False
    else:
        report = next(e for e in copies if isinstance(e, UserUttered))
        if change == "intent":
            report.intent = {"name": "ask_side_effects", "confidence": 0.93}
        else:
            report.entities = [{**found, "entity": "topic"} for found in report.entities]
    assert_as_rasa(domain, DialogueStateTracker.from_events("caregiver", list(copies), domain.slots))


def test_a_different_domain_or_slots_are_not_taken_for_the_kept_ones(domain):
    tracker = served_tracker(domain)
    for event in caregiver_conversation()[:30]:
        tracker.update(event)
    assert_as_rasa(domain, tracker)
    other = Domain.load(str(REPO_ROOT / "domain.yml"))
    assert_as_rasa(other, tracker)
    without_follow_up = DialogueStateTracker.from_events(
        "caregiver", list(tracker.events), [slot for slot in domain.slots if slot.name != "follow_up"]
    )
    assert_as_rasa(domain, without_follow_up)


def test_the_least_recently_used_conversations_go_first(domain):
    for sender in ("first", "second", "third"):
        tracker = served_tracker(domain, sender)
        for event in caregiver_conversation()[:40]:
            tracker.update(event)
        states_for_tracker_history(domain, tracker)
    kept = KeptConversations(max_events=80)  # two conversations of 40 events
    first, second, third = (policy_states.KEPT.take(sender) for sender in ("first", "second", "third"))
    kept.keep("first", first)
    kept.keep("second", second)
    assert kept.take("first") is first
    kept.keep("first", first)
    kept.keep("third", third)  # one too many: "second" was used least recently
    assert len(kept) == 2 and kept.events == 80
    assert kept.take("second").replays == [] and second.replays
    assert kept.take("first") is first


def test_what_is_done_here_step_for_step_is_the_pinned_rasas():
    """Replay takes Rasa's loop, and Conversation.applied_events relies on what Rasa's
    applied_events does with each event: if Rasa changes either, so must they."""
    source = "".join(
        inspect.getsource(function)
        for function in (
            RASA_STATES_FOR_TRACKER_HISTORY,
            DialogueStateTracker.generate_all_prior_trackers,
            RASA_APPLIED_EVENTS,
        )
    )
    assert hashlib.sha256(source.encode()).hexdigest() == policy_states.RASA_SOURCE_SHA256


def test_the_process_patches_install_it_once(domain):
    patches.install_process_patches()
    patches.install_process_patches()
    assert Domain.states_for_tracker_history is states_for_tracker_history
    assert DialogueStateTracker.applied_events is kept_applied_events
    tracker = served_tracker(domain)
    for event in caregiver_conversation()[:20]:
        tracker.update(event)
    assert tracker.past_states(domain) == RASA_STATES_FOR_TRACKER_HISTORY(domain, tracker)
    assert len(policy_states.KEPT) == 1
