"""The tracker cache: a message's conversation is not read back from the database when the store
already holds it, and what it gives is always what reading the database would give, also when
another Rasa server handled the conversation in between."""

import asyncio
import time
from typing import List

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    DefinePrevUserUtteredFeaturization,
    FollowupAction,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.server.stores.retention import prune
from bot.server.stores.tracker_cache import (
    TRACKER_ATTRIBUTES,
    CachedConversation,
    Stamp,
    TrackerCache,
    install_copy_without_replay,
    read_back,
    snapshot,
)
from bot.server.stores.tracker_store import StrictSQLTrackerStore, TrackerStoreUnavailable
from tests.unit.server.stores.test_tracker_store import break_database, restore_database

DOMAIN_YAML = """
version: "3.1"
intents: [report_symptom, inform, deny]
slots:
  therapy:
    type: text
    mappings: [{type: from_text, conditions: [{active_loop: treatment_form, requested_slot: therapy}]}]
  treatment_timing:
    type: text
    mappings: [{type: from_text, conditions: [{active_loop: treatment_form, requested_slot: treatment_timing}]}]
  triage_state:
    type: any
    influence_conversation: false
    mappings: [{type: custom}]
forms:
  treatment_form:
    required_slots: [therapy, treatment_timing]
responses:
  utter_ask_therapy: [{text: "Which treatment did you have?"}]
"""
DOMAIN = Domain.from_yaml(DOMAIN_YAML)


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'conversations.db'}"


def server(url, domain=DOMAIN, **settings):
    """One Rasa server's store; several on one database are several servers behind nginx."""
    return StrictSQLTrackerStore(domain, host=url, startup_timeout=0, **settings)


class Statements:
    """The SQL statements a store sends, by kind."""

    def __init__(self, store: StrictSQLTrackerStore) -> None:
        self.sent: List[str] = []
        sa.event.listen(store.engine, "before_cursor_execute", self._record)

    def _record(self, _connection, _cursor, statement, *_args) -> None:
        self.sent.append(statement)

    def reading_events(self) -> List[str]:
        return [s for s in self.sent if s.lstrip().upper().startswith("SELECT") and "events.data" in s]


def user_turn(tracker: DialogueStateTracker, text: str, intent: str = "report_symptom", *bot_lines: str) -> None:
    tracker.update(UserUttered(text, {"name": intent, "confidence": 0.9}, parse_data={"text": text}))
    tracker.update(DefinePrevUserUtteredFeaturization(False))
    for line in bot_lines:
        tracker.update(ActionExecuted("action_triage_symptoms"))
        tracker.update(BotUttered(line))
        tracker.update(SlotSet("triage_state", {"reported": [text], "through": time.time()}))
    tracker.update(ActionExecuted("action_listen"))


def start(tracker: DialogueStateTracker) -> None:
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))


def state(tracker: DialogueStateTracker) -> dict:
    """Everything a tracker says about the conversation."""
    return {
        **tracker.current_state(EventVerbosity.ALL),
        "active_loop": tracker.active_loop,
        "slots": {name: (slot.value, slot.has_been_set) for name, slot in tracker.slots.items()},
        "applied": [event.as_dict() for event in tracker.applied_events()],
    }


def read_fresh(url, sender):
    """What a store without a cache (Rasa's own reading) gives."""
    return run(server(url, cached_events=0).retrieve(sender))


def first_turns(store, sender="wife-of-patient"):
    tracker = run(store.get_or_create_tracker(sender, append_action_listen=False))
    start(tracker)
    user_turn(tracker, "my husband had his car t cells 5 days ago and he has a fever of 38.6")
    tracker.update(ActionExecuted("treatment_form"))
    tracker.update(ActiveLoop("treatment_form"))
    tracker.update(SlotSet("requested_slot", "therapy"))
    tracker.update(BotUttered("Which treatment did you have?"))
    tracker.update(ActionExecuted("action_listen"))
    run(store.save(tracker))
    return tracker


def test_a_kept_conversation_is_read_with_one_query_and_no_event_rows(url):
    store = server(url)
    first_turns(store)
    statements = Statements(store)
    tracker = run(store.retrieve("wife-of-patient"))
    assert len(statements.sent) == 1 and not statements.reading_events()
    assert state(tracker) == state(read_fresh(url, "wife-of-patient"))


def test_every_turn_read_from_the_cache_is_what_the_database_gives(url):
    store = server(url)
    first_turns(store)
    turns = [
        ("Yescarta", "inform"),
        ("5 days ago", "inform"),
        ("he keeps asking what year it is", "report_symptom"),
        ("no", "deny"),
    ]
    for text, intent in turns:
        tracker = run(store.retrieve("wife-of-patient"))
        user_turn(tracker, text, intent, "Call your care team now.")
        if text == "he keeps asking what year it is":  # the form is interrupted: a rejected validation
            tracker.update(ActionExecutionRejected("treatment_form"))
        run(store.save(tracker))
        assert state(run(store.retrieve("wife-of-patient"))) == state(read_fresh(url, "wife-of-patient"))
    kept = run(store.retrieve("wife-of-patient"))
    assert kept.active_loop.rejected and kept.get_slot("triage_state")["reported"] == ["no"]


def test_a_turn_that_failed_before_it_was_saved_leaves_no_trace(url):
    store = server(url)
    first_turns(store)
    stored = state(run(store.retrieve("wife-of-patient")))

    failed = run(store.retrieve("wife-of-patient"))
    user_turn(failed, "he had a seizure", "report_symptom", "Call emergency services now.")
    failed.update(ActionExecutionRejected("treatment_form"))
    failed.slots["therapy"].value = "kymriah"

    assert state(run(store.retrieve("wife-of-patient"))) == stored


def test_a_conversation_answered_by_another_server_is_read_again_there_and_back(url):
    first, second = server(url), server(url)
    first_turns(first)

    moved = run(second.retrieve("wife-of-patient"))
    user_turn(moved, "Kymriah", "inform", "When did you have it?")
    run(second.save(moved))

    back = run(first.retrieve("wife-of-patient"))
    assert back.latest_message.text == "Kymriah"
    user_turn(back, "three days ago", "inform", "Call your care team now.")
    run(first.save(back))

    again = run(second.retrieve("wife-of-patient"))
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == [
        "my husband had his car t cells 5 days ago and he has a fever of 38.6",
        "Kymriah",
        "three days ago",
    ]
    assert state(again) == state(read_fresh(url, "wife-of-patient"))


def test_a_save_writes_only_the_new_events_and_the_rows_rasas_store_writes(tmp_path):
    """Turn by turn as Rasa's processor goes (read, add the turn's events, save), beside Rasa's own store."""
    cached_url, plain_url = (f"sqlite:///{tmp_path / name}" for name in ("cached.db", "plain.db"))
    cached, plain = server(cached_url), server(plain_url, cached_events=0)
    for text in ("my dad has diarrhea since this morning", "about 6 times", "no blood"):
        turn = DialogueStateTracker("dad", DOMAIN.slots)
        if text.startswith("my dad"):
            start(turn)
        user_turn(turn, text, "report_symptom", "Call your care team today.")
        for store in (cached, plain):
            tracker = run(store.get_or_create_tracker("dad", append_action_listen=False))
            for event in turn.events:
                tracker.update(event)
            run(store.save(tracker))

    def rows(url):
        with sa.create_engine(url).connect() as connection:
            return connection.execute(
                sa.text(
                    "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"
                )
            ).fetchall()

    assert rows(cached_url) == rows(plain_url)
    assert [row[1] for row in rows(cached_url)].count("user") == 3


def test_a_new_session_reads_back_only_its_own_events(url):
    store = server(url)
    first_turns(store)
    tracker = run(store.retrieve("wife-of-patient"))
    start(tracker)  # a new session, an hour later
    tracker.update(SlotSet("therapy", "kymriah"))
    user_turn(tracker, "she has a headache now", "report_symptom", "Call your care team today.")
    run(store.save(tracker))

    statements = Statements(store)
    read = run(store.retrieve("wife-of-patient"))
    assert not statements.reading_events()
    assert state(read) == state(read_fresh(url, "wife-of-patient"))
    assert [e.text for e in read.events if isinstance(e, UserUttered)] == ["she has a headache now"]
    assert read.get_slot("therapy") == "kymriah"


def test_a_new_conversation_is_not_taken_for_an_empty_one(url):
    store = server(url)
    assert run(store.retrieve("new-caller")) is None
    run(store.get_or_create_tracker("new-caller", append_action_listen=False))
    assert run(store.retrieve("new-caller")) is None and not run(store.exists("new-caller"))


def test_a_deleted_conversation_is_gone(url):
    store = server(url)
    first_turns(store)
    assert prune(url, days=0, now=time.time() + 60) == ["wife-of-patient"]
    assert run(store.retrieve("wife-of-patient")) is None


def test_a_database_outage_is_raised_even_for_a_kept_conversation(tmp_path):
    database = tmp_path / "state" / "conversations.db"
    store = server(f"sqlite:///{database}")
    first_turns(store)
    aside = break_database(database)
    try:
        with pytest.raises(TrackerStoreUnavailable):
            run(store.retrieve("wife-of-patient"))
    finally:
        restore_database(database, aside)
    assert run(store.retrieve("wife-of-patient")).active_loop.name == "treatment_form"


def test_a_new_model_reads_the_conversation_again(url):
    store = server(url)
    first_turns(store)
    store.domain = Domain.from_yaml(DOMAIN_YAML)
    statements = Statements(store)
    tracker = run(store.retrieve("wife-of-patient"))
    assert statements.reading_events()
    assert tracker.slots["therapy"] is not store.domain.slots[0]


def test_the_copy_knows_everything_rasas_tracker_holds():
    """Fails when the pinned Rasa's tracker holds state that `snapshot` does not know how to copy."""
    assert set(vars(DialogueStateTracker("x", DOMAIN.slots))) == TRACKER_ATTRIBUTES


def test_changing_a_copy_leaves_the_kept_tracker_alone():
    kept = DialogueStateTracker("caller", DOMAIN.slots)
    start(kept)
    kept.update(ActiveLoop("treatment_form"))
    before = state(kept)
    copy = snapshot(kept)
    user_turn(copy, "he is shaking", "report_symptom", "Call your care team now.")
    copy.update(ActionExecutionRejected("treatment_form"))
    copy.update(ActionExecuted("treatment_form"))
    assert state(kept) == before and copy.active_loop is not kept.active_loop


def test_what_is_kept_leaves_out_the_events_rasa_does_not_read_back():
    events = [
        ActionExecuted("action_session_start", timestamp=99.9),  # logged after its session start, timed before
        SessionStarted(timestamp=100.0),
        UserUttered("fever 39", timestamp=101.0),
        SlotSet("therapy", "kymriah", timestamp=99.5),  # another host's clock
        SlotSet("treatment_timing", "yesterday", timestamp=102.0),
    ]
    kept = read_back(None, events, "caller", DOMAIN.slots)
    assert [e.timestamp for e in kept.events] == [100.0, 101.0, 102.0]
    assert kept.get_slot("therapy") is None and kept.get_slot("treatment_timing") == "yesterday"

    later = read_back(kept, [UserUttered("still 39", timestamp=103.0)], "caller", DOMAIN.slots)
    assert len(later.events) == 4 and len(kept.events) == 3 and later.latest_message.text == "still 39"


def test_what_is_kept_is_what_the_database_gives_back_not_the_processors_objects(url):
    store = server(url)
    tracker = run(store.get_or_create_tracker("mum", append_action_listen=False))
    start(tracker)
    tracker.update(UserUttered("mum has a rash", {"name": "report_symptom"}, parse_data={"text_tokens": [(0, 3)]}))
    run(store.save(tracker))
    kept = run(store.retrieve("mum"))
    assert kept.latest_message.parse_data["text_tokens"] == [[0, 3]]
    assert state(kept) == state(read_fresh(url, "mum"))


def conversation_of(events: int) -> CachedConversation:
    tracker = DialogueStateTracker("caller", DOMAIN.slots)
    for i in range(events):
        tracker.update(ActionExecuted("action_listen", timestamp=float(i)))
    return CachedConversation(Stamp(events, events), tracker, DOMAIN)


def test_the_least_recently_used_conversations_go_first_when_too_many_events_are_kept():
    cache = TrackerCache(max_events=10)
    for sender in ("a", "b", "c"):
        cache.keep(sender, conversation_of(4))
    assert cache.get("a", Stamp(4, 4), DOMAIN) is None and cache.events == 8
    cache.get("b", Stamp(4, 4), DOMAIN)
    cache.keep("d", conversation_of(4))
    assert cache.get("c", Stamp(4, 4), DOMAIN) is None
    assert cache.get("b", Stamp(4, 4), DOMAIN) and cache.get("d", Stamp(4, 4), DOMAIN) and cache.events == 8
    cache.keep("huge", conversation_of(11))
    assert cache.get("huge", Stamp(11, 11), DOMAIN) is None and len(cache) == 2


def test_a_conversation_whose_stamp_changed_is_forgotten():
    cache = TrackerCache()
    cache.keep("a", conversation_of(3))
    assert cache.get("a", Stamp(4, 9), DOMAIN) is None
    assert cache.get("a", Stamp(3, 3), DOMAIN) is None and cache.events == 0


def test_a_copy_before_an_action_is_what_replaying_the_conversation_builds():
    tracker = DialogueStateTracker("caller", DOMAIN.slots)
    start(tracker)
    user_turn(tracker, "my wife had car t last week and now she is shaking", "report_symptom")
    tracker.update(ActionExecuted("treatment_form"))
    tracker.update(ActiveLoop("treatment_form"))
    tracker.update(SlotSet("requested_slot", "therapy"))
    user_turn(tracker, "what", "inform")
    tracker.update(UserUtteranceReverted())
    user_turn(tracker, "Carvykti", "inform")
    tracker.update(SlotSet("therapy", "carvykti"))
    tracker.update(ActionExecutionRejected("treatment_form"))
    tracker.update(ActionExecuted("action_triage_symptoms"))
    tracker.update(ActionReverted())
    tracker.update(FollowupAction("action_ask_follow_up"))
    tracker.update(ConversationPaused())
    tracker.model_id = "served-model"

    replayed = tracker.travel_back_in_time(float("inf"))
    install_copy_without_replay()
    copied = tracker.copy()
    assert state(copied) == state(replayed)
    assert (copied.is_paused(), copied.followup_action, copied.model_id) == (True, "action_ask_follow_up", None)
    before = state(tracker)
    copied.update(ConversationResumed())
    copied.update(ActiveLoop("treatment_form"))
    copied.update(ActionExecutionRejected("treatment_form"))
    copied.update(SlotSet("therapy", "kymriah"))
    assert state(tracker) == before
