"""Conversations kept in the SQL tracker store (SQLite, as `make run` keeps them): across a restart
of Rasa, and through a database outage, which must never be hidden.

They use the session's stack (its own SQLite file in its log folder): Rasa is restarted (on a new
port, which the stack's helpers follow) and its database is broken and restored, so that the
modules after this one run on a stack that has been through both.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import requests

from tests.support.replies import Conversation, present_ids, question_asked, texts
from tests.support.stack import E2E_AGENT_TOKEN, RasaStack, new_sender

READY_PATH = "/webhooks/health/ready"
LIVE_PATH = "/webhooks/health/live"
AGENT_ASSIST_PATH = "/webhooks/agent_assist/triage"


def agent_assist(stack: RasaStack, text: str, call: str) -> requests.Response:
    return requests.post(
        stack.url + AGENT_ASSIST_PATH,
        json={"text": text, "conversation_id": call},
        headers={"Authorization": f"Bearer {E2E_AGENT_TOKEN}"},
        timeout=60,
    )


def ready(stack: RasaStack) -> requests.Response:
    return requests.get(stack.url + READY_PATH, timeout=10)


def stored_events(database: Path, sender: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def test_the_health_endpoints_say_live_and_ready(stack):
    live = requests.get(stack.url + LIVE_PATH, timeout=10)
    assert live.status_code == 200 and live.json() == {"live": True}
    answer = ready(stack)
    assert answer.status_code == 200, answer.text
    assert answer.elapsed.total_seconds() < 1, answer.elapsed
    assert {name: check["ok"] for name, check in answer.json()["checks"].items()} == {
        "model": True,
        "action_server": True,
        "tracker_store": True,
        "lock_store": True,
    }


def stored_user_messages(database: Path, sender: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT count(*) FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)
        ).fetchone()[0]


def test_a_message_sent_again_with_its_id_is_answered_the_same_and_stored_once(stack):
    sender = new_sender("resend")

    def send(text: str, message_id: str) -> list:
        answer = requests.post(
            stack.url + "/webhooks/rest/webhook",
            timeout=60,
            json={"sender": sender, "message": text, "message_id": message_id},
        )
        assert answer.status_code == 200, answer.text
        return texts(answer.json())

    first = send("my dad had a seizure a few minutes ago", "m-1")
    again = send("my dad had a seizure a few minutes ago", "m-1")

    assert first and again == first
    assert stored_user_messages(stack.database, sender) == 1
    # The next message (a new id) is handled as usual, after the first one.
    assert send("he is awake now but very sleepy", "m-2")
    assert stored_user_messages(stack.database, sender) == 2


def test_a_restart_loses_nothing(stack):
    chat = Conversation(stack.send, prefix="restart")
    assert question_asked(texts(chat.say("I have a fever of 39"))[-1]) == "utter_ask_therapy"
    assert question_asked(texts(chat.say("kymriah"))[-1]) == "utter_ask_treatment_timing"
    call = new_sender("restart-call")
    assert agent_assist(stack, "his temperature is 39.2", call).status_code == 200
    assert stored_events(stack.database, chat.sender) > 0

    stack.restart_rasa()

    # The form goes on where it was: the answer is taken as the treatment timing.
    follow_up = texts(chat.say("3 days ago"))
    assert question_asked(follow_up[-1]) == "related_symptoms", follow_up
    summary = next(t for t in texts(chat.say("no")) if t.startswith("Here is what you told me:"))
    assert "- Reported: fever (39 C)." in summary, summary
    assert "- Treatment: tisagenlecleucel (Kymriah)." in summary, summary
    assert "- Last given: 3 days ago." in summary, summary

    after = agent_assist(stack, "and now he is confused", call)
    assert after.status_code == 200, after.text
    assert {"fever", "confusion"} <= set(present_ids(after.json())), after.json()["symptoms"]


def test_a_database_outage_is_loud_safe_and_recovers_without_a_restart(stack):
    chat = Conversation(stack.send, prefix="outage")
    assert question_asked(texts(chat.say("I have a fever of 39"))[-1]) == "utter_ask_therapy"
    stored_before = stored_events(stack.database, chat.sender)
    call = new_sender("outage-call")
    assert agent_assist(stack, "temp 39", call).status_code == 200

    # What an unreachable database is to SQLite: its file cannot be opened (here, a folder is in its place).
    aside = stack.database.with_name("conversations-aside.db")
    stack.database.rename(aside)
    stack.database.mkdir()
    try:
        emergency = texts(chat.say("my husband had a seizure"))
        assert len(emergency) == 1 and emergency[0].startswith(
            "Your message mentions something that may be an emergency. Call emergency services now"
        ), emergency
        failure = texts(chat.say("skip"))
        assert len(failure) == 1 and "contact your care team right away" in failure[0] and "911" in failure[0], failure

        answer = ready(stack)
        assert answer.status_code == 503, answer.text
        assert answer.json()["checks"]["tracker_store"] == {"ok": False, "detail": "cannot write (OperationalError)"}

        assisted = agent_assist(stack, "he is confused", call)
        assert assisted.status_code == 503 and "care team" in assisted.json()["error"], assisted.text
    finally:
        shutil.rmtree(stack.database)
        aside.rename(stack.database)

    log = stack.rasa_log()
    assert "ERROR    bot.server.stores.tracker_store  - The tracker store (sqlite) is UNAVAILABLE" in log
    assert "Falling back to use the 'InMemoryTrackerStore'" not in log

    # Back without a restart: the same form goes on, with what was stored before the outage.
    assert ready(stack).status_code == 200
    assert question_asked(texts(chat.say("kymriah"))[-1]) == "utter_ask_treatment_timing"
    assert stored_events(stack.database, chat.sender) > stored_before
    assert "The tracker store (sqlite) has recovered" in stack.rasa_log()
    assert "fever" in present_ids(agent_assist(stack, "he is confused", call).json())
