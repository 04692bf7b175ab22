"""Deleting old conversations, on a real SQLite tracker store (Rasa's own tables and events)."""

import asyncio
import sqlite3
import time

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.server.stores.retention import main, prune
from bot.server.stores.tracker_store import StrictSQLTrackerStore

DAY = 86400.0
NOW = time.time()
WORDS = "zebracrossing had a seizure"


def save(store, sender, *days_ago):
    """A conversation with one message at each of `days_ago` (a new session before the first)."""
    tracker = DialogueStateTracker(sender, [])
    tracker.update(SessionStarted(timestamp=NOW - days_ago[0] * DAY - 1))
    for days in days_ago:
        tracker.update(ActionExecuted("action_listen", timestamp=NOW - days * DAY - 0.5))
        tracker.update(UserUttered(WORDS, {"name": "report_symptom"}, timestamp=NOW - days * DAY))
    asyncio.run(store.save(tracker))


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "conversations.db"
    store = StrictSQLTrackerStore(Domain.empty(), host=f"sqlite:///{path}", startup_timeout=0)
    save(store, "old", 40)
    save(store, "old-session-recent-message", 45, 1)
    save(store, "recent", 2)
    return path


def senders(path):
    with sqlite3.connect(path) as connection:
        return {row[0] for row in connection.execute("SELECT DISTINCT sender_id FROM events")}


def test_deletes_whole_conversations_whose_last_message_is_older(database):
    assert prune(f"sqlite:///{database}", 30, now=NOW) == ["old"]
    assert senders(database) == {"old-session-recent-message", "recent"}
    with sqlite3.connect(database) as connection:
        # The kept conversation is whole, its old session start included.
        assert (
            connection.execute("SELECT count(*) FROM events WHERE sender_id = 'old-session-recent-message'").fetchone()[
                0
            ]
            == 5
        )


def test_the_deleted_words_are_gone_from_the_file(database):
    prune(f"sqlite:///{database}", 30, now=NOW)
    prune(f"sqlite:///{database}", 0, now=NOW)
    assert senders(database) == set()
    assert b"zebracrossing" not in database.read_bytes()


def test_a_dry_run_deletes_nothing(database):
    assert sorted(prune(f"sqlite:///{database}", 1.5, dry_run=True, now=NOW)) == ["old", "recent"]
    assert senders(database) == {"old", "old-session-recent-message", "recent"}


def test_no_database_yet_is_nothing_to_delete(tmp_path):
    assert prune(f"sqlite:///{tmp_path}/missing.db", 30) == []
    assert not (tmp_path / "missing.db").exists()


def test_the_command_reads_the_url_from_the_environment(database, monkeypatch, capsys):
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{database}")
    assert main(["--days", "30", "--dry-run"]) == 0
    assert "Would delete 1 conversation(s) with no message in the last 30 days." in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--days", "-1"])
