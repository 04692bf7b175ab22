"""The conversations this Rasa process last read or wrote, kept so that a message does not read and
replay the whole conversation again (issue 16; docs/performance.md, "Issue 16: the tracker").

Reading a conversation back from the SQL store costs more the longer it is: every event row is
fetched, parsed from JSON and turned into a Rasa event, and the events are replayed into a tracker
(about 60 ms for a 20-turn caregiver conversation on 2 cores). The store (tracker_store.py) keeps
here, for each conversation, a copy of the tracker exactly as a fresh read would build it, with the
conversation's `Stamp` in the database when it was read or saved. Before a kept tracker is used the
store reads the stamp again, in one indexed query: another Rasa server (behind nginx, sharing the
database) that handled a message of this conversation in between has changed it, and the tracker is
read from the database. The cache is used on the event loop only (Rasa calls the store there).
"""

from __future__ import annotations

import copy
import dataclasses
from collections import OrderedDict, deque
from typing import Any, Iterable, List, NamedTuple, Optional

from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker

# About 2.7 kB of memory per event (a user message's parse data is most of it): 10,000 events are
# about 27 MB, some 75 conversations of 10 turns. The least recently used go first; a conversation
# not kept is read from the database as before. `cached_events` in endpoints.yml's tracker_store
# sets another bound.
DEFAULT_CACHED_EVENTS = 10_000

# Everything a DialogueStateTracker holds in Rasa 3.6, and what `snapshot` does with each.
SHARED = {  # immutable values, or events (never changed once applied), shared with the copy
    "_max_event_history",
    "sender_id",
    "sender_source",
    "is_rule_tracker",
    "_paused",
    "followup_action",
    "latest_message",
    "latest_bot_utterance",
}
COPIED = {"events", "slots", "active_loop", "latest_action"}  # changed in place by later events
FRESH = {"model_id", "assistant_id"}  # None, as in a tracker read from the store: the processor sets them
TRACKER_ATTRIBUTES = SHARED | COPIED | FRESH


class Stamp(NamedTuple):
    """A conversation's rows in the database: how many, and the highest id.

    Event rows are only ever added (under the conversation's lock) or deleted with their whole
    conversation (retention), and ids only grow (a PostgreSQL sequence; in SQLite, the rowid of a
    live row), so a conversation whose stamp is unchanged holds the same rows.
    """

    events: int
    last_id: Optional[int]


@dataclasses.dataclass(frozen=True)
class CachedConversation:
    stamp: Stamp
    tracker: Optional[DialogueStateTracker]  # None: no events stored for the conversation
    domain: Any  # the domain the tracker's slots came from: a new model's domain reads again

    @property
    def events(self) -> int:
        """How many of the conversation's events the tracker holds (those of its latest session)."""
        return len(self.tracker.events) if self.tracker is not None else 0


def snapshot(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """A tracker that later events on either copy leave alone, without replaying the events.

    Events are shared: Rasa does not change an event once the tracker has applied it (the one
    exception, DefinePrevUserUtteredFeaturization, marks the turn's own new message).
    """
    unknown = set(vars(tracker)) - TRACKER_ATTRIBUTES
    if unknown:  # a Rasa that holds more state than this copies: do not guess how to copy it
        raise TypeError(f"DialogueStateTracker has attributes this copy does not know: {sorted(unknown)}")
    copied = copy.copy(tracker)
    copied.events = deque(tracker.events, tracker.events.maxlen)
    copied.slots = {name: copy.copy(slot) for name, slot in tracker.slots.items()}
    copied.active_loop = dataclasses.replace(tracker.active_loop) if tracker.active_loop is not None else None
    copied.latest_action = dict(tracker.latest_action) if tracker.latest_action is not None else None
    copied.model_id = copied.assistant_id = None
    return copied


def install_copy_without_replay() -> None:
    """DialogueStateTracker.copy as `snapshot`, in the server: not a replay of every event.

    Rasa 3.6 copies the tracker before each action it runs (MessageProcessor._run_action, and
    FormAction when a form starts): three or four replays of the whole conversation a turn. The
    snapshot is what the replay builds: the same events and the state they make.
    """
    DialogueStateTracker.copy = snapshot  # type: ignore[assignment]


def read_back(
    kept: Optional[DialogueStateTracker], written: List[Event], sender_id: str, slots: Iterable[Slot]
) -> Optional[DialogueStateTracker]:
    """The tracker that reading the conversation back from the database would build, from the
    kept one (None: nothing stored before) and the events just written, as read back from their
    JSON (Rasa's own events, not the processor's: a tuple in parse data is a list once stored).

    Rasa's SQL store reads back the events of the latest session: those timed at or after the
    latest SessionStarted (all, when there is none). Usually that is the kept tracker with the new
    events applied, one by one, as a read would apply them. A new session leaves out what came
    before it (and the action_session_start that Rasa logs just before a conversation's first
    SessionStarted), as does an event timed before its session start (another host's clock): then
    the tracker is built from the events that would be read back, as Rasa builds it.
    """
    before = list(kept.events) if kept is not None else []

    def latest_start(events: Iterable[Event]) -> Optional[float]:
        starts = [e.timestamp for e in events if isinstance(e, SessionStarted) and e.timestamp is not None]
        return max(starts) if starts else None

    latest = latest_start(before + written)

    def read(event: Event) -> bool:
        return latest is None or (event.timestamp is not None and event.timestamp >= latest)

    if kept is not None and latest == latest_start(before) and all(read(event) for event in written):
        tracker = snapshot(kept)
        for event in written:
            tracker.update(event)
        return tracker
    events = [event for event in before + written if read(event)]
    return DialogueStateTracker.from_events(sender_id, events, slots) if events else None


def stored_events(tracker: DialogueStateTracker, cached: CachedConversation) -> Optional[int]:
    """How many of `tracker`'s leading events the database holds, when `tracker` is the cached
    conversation with events added after it; None for any other tracker.

    The cached tracker's events are found at the start of `tracker`, as the same objects: `tracker`
    is a copy the store handed out, with the turn's events added. (The tracker that was saved has
    events of its own, and another save of it is counted as Rasa counts it.)
    """
    if cached.tracker is None:
        return 0
    kept = cached.tracker.events
    if len(tracker.events) < len(kept) or any(mine is not theirs for mine, theirs in zip(tracker.events, kept)):
        return None
    return len(kept)


class TrackerCache:
    """The trackers of recent conversations, up to a number of events in all, least recently used out first."""

    def __init__(self, max_events: int = DEFAULT_CACHED_EVENTS) -> None:
        self.max_events = max_events
        self._conversations: OrderedDict[str, CachedConversation] = OrderedDict()
        self._events = 0

    def __len__(self) -> int:
        return len(self._conversations)

    @property
    def events(self) -> int:
        return self._events

    def get(self, sender_id: str, stamp: Stamp, domain: Any) -> Optional[CachedConversation]:
        """The kept conversation if the database still holds what it held when it was kept."""
        cached = self._conversations.get(sender_id)
        if cached is None:
            return None
        if cached.stamp != stamp or cached.domain is not domain:
            self.forget(sender_id)
            return None
        self._conversations.move_to_end(sender_id)
        return cached

    def keep(self, sender_id: str, cached: CachedConversation) -> None:
        self.forget(sender_id)
        if cached.events > self.max_events:
            return
        self._conversations[sender_id] = cached
        self._events += cached.events
        while self._events > self.max_events:
            _, oldest = self._conversations.popitem(last=False)
            self._events -= oldest.events

    def forget(self, sender_id: str) -> Optional[CachedConversation]:
        cached = self._conversations.pop(sender_id, None)
        if cached is not None:
            self._events -= cached.events
        return cached
