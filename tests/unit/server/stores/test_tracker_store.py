"""The tracker store: conversations kept in SQLite, and every database fault raised, never hidden."""

import asyncio
import logging
import shutil
from pathlib import Path

import pytest
import yaml
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import REPO_ROOT
from bot.server.stores.tracker_store import (
    HEALTH_CHECK_SENDER,
    StrictSQLTrackerStore,
    TrackerStoreMisconfigured,
    TrackerStoreUnavailable,
    inner_tracker_store,
    make_tracker_store_failures_loud,
)

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [report_symptom]
slots:
  therapy:
    type: text
    mappings: [{type: custom}]
""")
SECRET_WORDS = "zebracrossing has a seizure"


def run(coroutine):
    return asyncio.run(coroutine)


def conversation(sender="c1"):
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(UserUttered(SECRET_WORDS, {"name": "report_symptom"}))
    tracker.update(SlotSet("therapy", "car-t"))
    return tracker


@pytest.fixture
def database(tmp_path):
    return tmp_path / "state" / "conversations.db"


@pytest.fixture
def store(database):
    return StrictSQLTrackerStore(DOMAIN, host=f"sqlite:///{database}", startup_timeout=0)


def break_database(database: Path) -> Path:
    """What an unreachable database looks like to SQLite: its path is a folder, the file is elsewhere."""
    aside = database.with_name("aside.db")
    database.rename(aside)
    database.mkdir()
    return aside


def restore_database(database: Path, aside: Path) -> None:
    shutil.rmtree(database)
    aside.rename(database)


def test_creates_its_folder_and_keeps_a_conversation_across_instances(store, database):
    run(store.save(conversation()))
    again = StrictSQLTrackerStore(DOMAIN, host=f"sqlite:///{database}", startup_timeout=0)
    tracker = run(again.retrieve("c1"))
    assert tracker.latest_message.text == SECRET_WORDS
    assert tracker.get_slot("therapy") == "car-t"
    assert run(again.keys()) == ["c1"]


def test_a_broken_database_raises_logs_once_at_error_and_recovers(store, database, caplog):
    run(store.save(conversation()))
    aside = break_database(database)
    with caplog.at_level(logging.WARNING, logger="bot.server.stores.tracker_store"):
        for _ in range(2):
            with pytest.raises(TrackerStoreUnavailable) as raised:
                run(store.retrieve("c1"))
        with pytest.raises(TrackerStoreUnavailable):
            run(store.save(conversation("c2")))
        assert raised.value.error_type == "OperationalError"
        assert not store.fault.ok
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1 and "UNAVAILABLE" in errors[0].getMessage()

        restore_database(database, aside)
        assert run(store.retrieve("c1")).latest_message.text == SECRET_WORDS
    assert store.fault.ok
    assert any(r.levelno == logging.WARNING and "recovered" in r.getMessage() for r in caplog.records)


def test_errors_never_carry_the_users_words(store, database, caplog):
    aside = break_database(database)
    try:
        with caplog.at_level(logging.DEBUG):
            with pytest.raises(TrackerStoreUnavailable) as raised:
                run(store.save(conversation()))
    finally:
        restore_database(database, aside)
    assert "zebracrossing" not in str(raised.value) and "zebracrossing" not in str(raised.value.__cause__)
    assert "zebracrossing" not in caplog.text


def test_starts_degraded_when_the_database_cannot_be_opened_and_creates_tables_later(tmp_path, caplog):
    database = tmp_path / "conversations.db"
    database.mkdir()
    with caplog.at_level(logging.ERROR, logger="bot.server.stores.tracker_store"):
        store = StrictSQLTrackerStore(DOMAIN, host=f"sqlite:///{database}", startup_timeout=0)
    assert not store.fault.ok and "WITHOUT a working tracker store" in caplog.text
    with pytest.raises(TrackerStoreUnavailable):
        store.check_writable()
    database.rmdir()
    run(store.save(conversation()))
    assert run(store.retrieve("c1")) is not None and store.fault.ok


def test_the_health_check_writes_nothing(store):
    store.check_writable()
    store.check_writable()
    assert HEALTH_CHECK_SENDER not in run(store.keys())


def test_the_engine_hides_parameters_and_checks_pooled_connections(store):
    assert store.engine.hide_parameters
    assert store.engine.pool._pre_ping


def test_bad_settings_fail_start_up_instead_of_falling_back_to_memory():
    # Rasa swaps a store whose constructor raises AttributeError for an in-memory one.
    with pytest.raises(TrackerStoreMisconfigured):
        StrictSQLTrackerStore(DOMAIN, host="nosuchdatabase://localhost/db", startup_timeout=0)


def test_rasa_builds_it_from_the_projects_endpoints(tmp_path, monkeypatch):
    """endpoints.yml as `make run` reads it, with ${TRACKER_STORE_URL} from the environment."""
    from rasa.core.utils import read_endpoints_from_path

    monkeypatch.setenv("ACTION_SERVER_URL", "http://localhost:5055/webhook")
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path}/conversations.db")
    monkeypatch.setenv("LOCK_STORE_TYPE", "in_memory")
    monkeypatch.setenv("LOCK_STORE_URL", "redis://localhost:6379/1")
    endpoints = read_endpoints_from_path(REPO_ROOT / "endpoints.yml")
    store = TrackerStore.create(endpoints.tracker_store, DOMAIN)
    assert isinstance(store, StrictSQLTrackerStore)
    assert str(store.engine.url) == f"sqlite:///{tmp_path}/conversations.db"
    assert endpoints.lock_store.type == "in_memory"


def test_the_health_channel_that_turns_off_the_fallback_is_configured():
    credentials = yaml.safe_load((REPO_ROOT / "credentials.yml").read_text())
    assert "bot.server.channels.health.HealthInput" in credentials


def test_rasas_fallback_to_memory_is_turned_off(store, database):
    """Guards the private attribute of Rasa 3.6's FailSafeTrackerStore that this relies on."""
    agent = Agent(domain=DOMAIN, tracker_store=store)
    assert isinstance(agent.tracker_store, FailSafeTrackerStore)
    assert inner_tracker_store(agent) is store
    assert make_tracker_store_failures_loud(agent)

    aside = break_database(database)
    try:
        with pytest.raises(TrackerStoreUnavailable):
            run(agent.tracker_store.retrieve("c1"))
        with pytest.raises(TrackerStoreUnavailable):
            run(agent.tracker_store.save(conversation()))
    finally:
        restore_database(database, aside)
    assert agent.tracker_store._fallback_tracker_store is None  # nothing was kept in memory instead


def test_without_the_switch_rasa_would_hide_the_fault(store, database):
    """Why the switch is needed: the stock wrapper answers a failed read with no conversation."""
    agent = Agent(domain=DOMAIN, tracker_store=store)
    aside = break_database(database)
    try:
        assert run(agent.tracker_store.retrieve("c1")) is None
    finally:
        restore_database(database, aside)


def test_an_in_memory_store_is_not_made_loud_and_is_recognised():
    agent = Agent(domain=DOMAIN)
    assert isinstance(inner_tracker_store(agent), InMemoryTrackerStore)
