"""The dialogue states the policies predict from, kept per conversation and extended by the new
events, not rebuilt from the conversation's first event at every call (issue 16; docs/performance.md,
"Issue 16: the policies' states").

Every prediction asks `Domain.states_for_tracker_history` for the states of the whole conversation,
RulePolicy and MemoizationPolicy each, two to five predictions a turn. Rasa works out the tracker's
applied events (those a rewind or a form's repeated turn did not take back) and replays them into a
fresh tracker (`generate_all_prior_trackers`): the state before each action, and the state now. A
state before an action never changes once the action is taken, so here each conversation's replay
is kept where Rasa's loop stopped (the replayed tracker, the states so far, the loop's two
variables) and the next call applies only the events added since, with the same steps as Rasa's
loop, calling the domain's own methods for each state.

The kept replay is used only if the events it applied are, one for one, the first of the tracker's
applied events now: the same objects, or of the same type and time and alike in what states read
(a tracker read back from the database holds copies). Anything else (a restart, a new session, a
rewound turn, a form's repeated turn that Rasa folds away, another tracker with the same sender, a
new model's domain) is replayed from the start, as Rasa does, and that replay is kept. Two events
change an earlier user message in place (DefinePrevUserUtteredFeaturization, EntitiesAdded): a
message some kept state was built from is checked to read as it did then, or the states are rebuilt.

Working out the applied events looks at every event of the conversation, and cost as much as the
replay itself: they are kept too. When the tracker's events begin with the kept ones (or copies of
them) and the events after those are all of the kinds applied_events simply appends (not a restart,
a session start, a rewind, a loop not seen before, nor a loop's action, which may fold a repeated
turn away), they are added to the kept applied events; otherwise Rasa's applied_events works them out.
The tracker's own applied_events is answered from them as well (`kept_applied_events`): the
processor and the policies ask for them several times a turn besides the states.

The returned states are copies: callers change them (the featurizer deletes from the last state's
user part) and Rasa shares parts between states; the copy shares what Rasa's result would share.
Rasa handles one message of a conversation at a time (its lock store): a conversation is taken out
of the cache while it is extended, so a second call for it at the same time would start afresh.
Installed in the served process (bot/server/patches.py).
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import operator
import threading
from collections import OrderedDict
from typing import Any, Deque, Dict, List, Optional, Set, Tuple, Union

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.server.stores.tracker_cache import DEFAULT_CACHED_EVENTS

# Rasa's own: the tests compare with them, and the kept applied events are worked out with it.
RASA_STATES_FOR_TRACKER_HISTORY = Domain.states_for_tracker_history
RASA_APPLIED_EVENTS = DialogueStateTracker.applied_events
# The source of what is done here step for step (Domain.states_for_tracker_history,
# DialogueStateTracker.generate_all_prior_trackers and applied_events) in the pinned Rasa 3.6.21:
# a test fails when it changes.
RASA_SOURCE_SHA256 = "c94a80aab3b5ac01ce98424c882860eadc138ed5e7978110a02556bca377dcf6"

# The tracker cache's bound (tracker_cache.py): its conversations are the ones worth keeping here.
# A conversation's events are counted once (its replays hold the same objects); beside them, its
# replays take about 0.5 kB an event (135 kB for the 265 events of a 20-turn conversation).
DEFAULT_KEPT_EVENTS = DEFAULT_CACHED_EVENTS


@dataclasses.dataclass(frozen=True)
class Arguments:
    """What else the states depend on. Rasa reads `rule_only_data` only with ignore_rule_only_turns."""

    omit_unset_slots: bool
    ignore_rule_only_turns: bool
    rule_only_data: Optional[Dict[str, Any]]

    @classmethod
    def of(
        cls, omit_unset_slots: bool, ignore_rule_only_turns: bool, rule_only_data: Optional[Dict[str, Any]]
    ) -> "Arguments":
        kept_data = copy.deepcopy(rule_only_data) if ignore_rule_only_turns else None  # compared by value
        return cls(bool(omit_unset_slots), bool(ignore_rule_only_turns), kept_data)


def slot_kinds(tracker: DialogueStateTracker) -> Tuple[Tuple[str, type, Any], ...]:
    """The slots a replay starts from (init_copy resets them to their initial values)."""
    return tuple((name, type(slot), slot.initial_value) for name, slot in tracker.slots.items())


def user_features(message: UserUttered) -> Tuple[Optional[bool], int]:
    """What later events may change in a user message that a state was built from."""
    return message.use_text_for_featurization, len(message.entities)


def same_objects(kept: List[Event], events: Union[List[Event], Deque[Event]]) -> bool:
    """Whether `events` begins with the objects of `kept`."""
    return len(events) >= len(kept) and all(map(operator.is_, kept, events))


def same_event(kept: Event, event: Event) -> bool:
    """The same event, or a copy of it (read back from the database), as far as states go.

    Compares what Rasa's replay reads of the events it parses most, without Rasa's __eq__ (which
    encodes parts of them as JSON, and leaves out whether a turn is hidden from the ML policies)."""
    if kept is event:
        return True
    if type(kept) is not type(event) or kept.timestamp != event.timestamp:
        return False
    if isinstance(kept, UserUttered):
        return kept.use_text_for_featurization == event.use_text_for_featurization and (
            kept.as_sub_state() == event.as_sub_state()
        )
    if isinstance(kept, ActionExecuted):
        return (kept.action_name, kept.action_text, kept.hide_rule_turn) == (
            event.action_name,
            event.action_text,
            event.hide_rule_turn,
        )
    if isinstance(kept, BotUttered):  # read by no state
        return (kept.text, kept.data) == (event.text, event.data)
    return kept == event


@dataclasses.dataclass
class LoopVariables:
    last_ml_action_sub_state: Optional[Dict[str, str]]
    turn_was_hidden: bool


@dataclasses.dataclass
class Replay:
    """Rasa's loop in `states_for_tracker_history`, stopped after the applied events `events`."""

    domain: Domain
    arguments: Arguments
    slots: Tuple[Tuple[str, type, Any], ...]
    is_rule_tracker: bool
    tracker: DialogueStateTracker  # the conversation's init_copy with `events` applied
    events: List[Event] = dataclasses.field(default_factory=list)
    states: List[State] = dataclasses.field(default_factory=list)  # one before each action in `events`
    last_ml_action_sub_state: Optional[Dict[str, str]] = None
    turn_was_hidden: bool = False
    latest_user: Optional[int] = None  # index in `events` of the tracker's latest_message
    read_users: Dict[int, Tuple[Optional[bool], int]] = dataclasses.field(default_factory=dict)

    @classmethod
    def start(cls, domain: Domain, tracker: DialogueStateTracker, arguments: Arguments) -> "Replay":
        return cls(domain, arguments, slot_kinds(tracker), tracker.is_rule_tracker, tracker.init_copy())

    def continues(self, domain: Domain, tracker: DialogueStateTracker, applied: List[Event]) -> bool:
        """Whether this replay's events begin `applied`, the tracker's, and built the same states."""
        if (
            domain is not self.domain
            or tracker.is_rule_tracker != self.is_rule_tracker
            or len(applied) < len(self.events)
            or slot_kinds(tracker) != self.slots
        ):
            return False
        if not same_objects(self.events, applied):
            for index, kept in enumerate(self.events):
                if not same_event(kept, applied[index]):
                    return False
                self.events[index] = applied[index]  # alike: compared as objects next time
        return all(user_features(applied[index]) == read for index, read in self.read_users.items())

    def apply(self, events: List[Event]) -> None:
        for event in events:
            if isinstance(event, ActionExecuted):
                self._step(event.hide_rule_turn, self.states, self)
            self.tracker.update(event)
            if isinstance(event, UserUttered):
                self.latest_user = len(self.events)
            self.events.append(event)

    def current(self) -> List[State]:
        """The states before each action, and the state now (the loop's last step, not kept)."""
        states = list(self.states)
        self._step(False, states, LoopVariables(self.last_ml_action_sub_state, self.turn_was_hidden))
        return states

    def _step(self, hide_rule_turn: bool, states: List[State], loop: Union[LoopVariables, "Replay"]) -> None:
        """One step of Rasa's loop, for the replayed tracker as it is now."""
        domain, tracker, arguments = self.domain, self.tracker, self.arguments
        if arguments.ignore_rule_only_turns:
            if not loop.turn_was_hidden:
                loop.last_ml_action_sub_state = domain._get_prev_action_sub_state(tracker)
            if not tracker.followup_action and not tracker.latest_action_name == tracker.active_loop_name:
                loop.turn_was_hidden = hide_rule_turn
            if loop.turn_was_hidden:
                return
        state = domain.get_active_state(tracker, omit_unset_slots=arguments.omit_unset_slots)
        if arguments.ignore_rule_only_turns:
            domain._remove_rule_only_features(state, arguments.rule_only_data)
            if states:
                domain._substitute_rule_only_user_input(state, states[-1])
            if loop.last_ml_action_sub_state:
                state[PREVIOUS_ACTION] = loop.last_ml_action_sub_state
        states.append(domain._clean_state(state))
        if states is self.states and self.latest_user is not None:
            self.read_users.setdefault(self.latest_user, user_features(tracker.latest_message))


@dataclasses.dataclass
class Conversation:
    """A conversation's events when last seen, its applied events, and a replay per set of arguments."""

    events: List[Event] = dataclasses.field(default_factory=list)
    loop_names: Set[str] = dataclasses.field(default_factory=set)
    applied: List[Event] = dataclasses.field(default_factory=list)
    replays: List[Replay] = dataclasses.field(default_factory=list)

    def applied_events(self, tracker: DialogueStateTracker) -> List[Event]:
        """Rasa's tracker.applied_events(), from the kept ones when only appended events were added."""
        rasas = type(tracker).applied_events in (RASA_APPLIED_EVENTS, kept_applied_events)
        if rasas and self._begins(tracker.events):
            added = list(itertools.islice(tracker.events, len(self.events), None))
            if all(self._only_appended(event) for event in added):
                self.events.extend(added)
                self.applied.extend(added)
                return self.applied
        self.events = list(tracker.events)
        self.loop_names = {event.name for event in self.events if isinstance(event, ActiveLoop) and event.name}
        self.applied = RASA_APPLIED_EVENTS(tracker) if rasas else tracker.applied_events()
        return self.applied

    def _begins(self, events: Deque[Event]) -> bool:
        """Whether `events` begins with the kept events, or with copies of them (read back from the
        database). Rasa's applied_events reads of each event what `same_event` compares (its type,
        an action's or a loop's name), so it keeps the copies where it kept the events: they are
        kept instead, and compared as objects next time."""
        if same_objects(self.events, events):
            return True
        if len(events) < len(self.events):
            return False
        copies: Dict[int, Event] = {}
        for kept, event in zip(self.events, events):
            if kept is not event:
                if not same_event(kept, event):
                    return False
                copies[id(kept)] = event
        self.events = list(itertools.islice(events, len(self.events)))
        self.applied = [copies.get(id(event), event) for event in self.applied]
        return True

    def _only_appended(self, event: Event) -> bool:
        """Whether applied_events appends `event` to those before it, whatever they are, and leaves
        them as they were: what it does with any event but these (and a new loop's name changes
        how it reads the loop's earlier runs)."""
        if isinstance(event, (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted)):
            return False
        if isinstance(event, ActiveLoop):
            return not event.name or event.name in self.loop_names
        return not (isinstance(event, ActionExecuted) and event.action_name in self.loop_names)

    def take_replay(self, arguments: Arguments) -> Optional[Replay]:
        for index, replay in enumerate(self.replays):
            if replay.arguments == arguments:
                return self.replays.pop(index)
        return None


def copy_states(states: List[State]) -> List[State]:
    """New state and part dicts, shared where `states` shares them (the values are str and tuples)."""
    copies: Dict[int, Dict[str, Any]] = {}

    def part(sub_state: Dict[str, Any]) -> Dict[str, Any]:
        copied = copies.get(id(sub_state))
        if copied is None:
            copied = copies[id(sub_state)] = dict(sub_state)
        return copied

    return [{kind: part(sub_state) for kind, sub_state in state.items()} for state in states]


class KeptConversations:
    """Recent conversations, up to a number of events in all, least recently used out first."""

    def __init__(self, max_events: int = DEFAULT_KEPT_EVENTS) -> None:
        self.max_events = max_events
        self._conversations: OrderedDict[str, Conversation] = OrderedDict()
        self._events = 0
        self._lock = threading.Lock()

    @property
    def events(self) -> int:
        return self._events

    def __len__(self) -> int:
        return len(self._conversations)

    def take(self, sender_id: str) -> Conversation:
        """The kept conversation, out of the cache until kept again; or a new one."""
        with self._lock:
            conversation = self._conversations.pop(sender_id, None)
            if conversation is None:
                return Conversation()
            self._events -= len(conversation.events)
            return conversation

    def keep(self, sender_id: str, conversation: Conversation) -> None:
        with self._lock:
            if len(conversation.events) > self.max_events:
                return
            other = self._conversations.pop(sender_id, None)  # kept meanwhile by a call at the same time
            if other is not None:
                self._events -= len(other.events)
            self._conversations[sender_id] = conversation
            self._events += len(conversation.events)
            while self._events > self.max_events:
                _, oldest = self._conversations.popitem(last=False)
                self._events -= len(oldest.events)

    def clear(self) -> None:
        with self._lock:
            self._conversations.clear()
            self._events = 0


KEPT = KeptConversations()


def states_for_tracker_history(
    self: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Optional[Dict[str, Any]] = None,
) -> List[State]:
    """Rasa's Domain.states_for_tracker_history, from the conversation's kept replay."""
    arguments = Arguments.of(omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    conversation = KEPT.take(tracker.sender_id)
    applied = conversation.applied_events(tracker)
    replay = conversation.take_replay(arguments)
    if replay is None or not replay.continues(self, tracker, applied):
        replay = Replay.start(self, tracker, arguments)
    replay.apply(applied[len(replay.events) :])
    states = replay.current()
    conversation.replays.append(replay)
    KEPT.keep(tracker.sender_id, conversation)
    return copy_states(states)


def kept_applied_events(self: DialogueStateTracker) -> List[Event]:
    """Rasa's DialogueStateTracker.applied_events, from the conversation's kept applied events.

    Rasa looks at every event of the conversation each time, and the processor and the policies ask
    several times a turn: the session check twice (`_update_tracker_session`), RulePolicy and
    MemoizationPolicy, a revert's replay. Callers get a list of their own, as Rasa's."""
    conversation = KEPT.take(self.sender_id)
    applied = list(conversation.applied_events(self))
    KEPT.keep(self.sender_id, conversation)
    return applied


def install() -> None:
    """Domain.states_for_tracker_history and DialogueStateTracker.applied_events from the kept
    conversations, in the server."""
    Domain.states_for_tracker_history = states_for_tracker_history  # type: ignore[assignment]
    DialogueStateTracker.applied_events = kept_applied_events  # type: ignore[assignment]
