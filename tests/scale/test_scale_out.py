"""Many conversations at once through nginx while one Rasa server crashes: every message is
answered (clients retry, as a real client would, with the same message id), and every
conversation is stored exactly once and in order in PostgreSQL."""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

import requests

from evaluation.bench_figures import percentile
from ops.scaled_stack import TICKET_LOCK_LIFETIME_S
from tests.support.database import stored_conversation
from tests.support.scaled import FAILURE_TEXT, post_message, readiness, wait_for
from tests.support.stack import new_sender

CONVERSATIONS = 56
REDELIVERY_LOG = "was answered with its first replies; not handled twice"
# The crash comes when this share of all turns has been answered: mid-run, with messages in flight.
CRASH_AFTER_SHARE = 0.3
# A client gives up on one attempt after this long, and on a message after MESSAGE_DEADLINE_S.
ATTEMPT_TIMEOUT_S = 90.0
MESSAGE_DEADLINE_S = 240.0
RETRY_PAUSE_S = 1.0

# Written the way worried people type: reports, answers to the follow-up questions, questions.
SCRIPTS: List[List[str]] = [
    ["hi", "my husband has a fever of 38.9 since this morning", "kymriah", "he got the infusion 4 days ago", "no"],
    ["she keeps asking what year it is and her writing looks weird", "yescarta", "about a week ago", "no", "thank you"],
    ["what is CRS?", "spiked 102 and shaking", "tecvayli", "yesterday", "no"],
    ["my mum had a seizure 5 min ago", "she is breathing but very drowsy", "carvykti", "two weeks ago", "no"],
    ["Not feeling great, fever of 39", "abecma", "3 days", "a bit of a headache too", "no"],
    ["can I drive after car t?", "hands are shaky when i hold a cup", "breyanzi", "10 days ago", "no"],
]


@dataclass
class Turn:
    text: str
    message_id: str
    attempts: int = 0
    latency_s: float = 0.0
    replies: List[str] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)


@dataclass
class Run:
    """Shared between the client threads: how many turns have been answered, for the crash."""

    total_turns: int
    answered: int = 0
    crashed_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    crash_due: threading.Event = field(default_factory=threading.Event)

    def turn_answered(self) -> None:
        with self.lock:
            self.answered += 1
            if self.answered >= CRASH_AFTER_SHARE * self.total_turns:
                self.crash_due.set()


def send_until_answered(base_url: str, sender: str, turn: Turn) -> None:
    """One message, sent again with the same id after a failed attempt, as a careful client does."""
    started = time.monotonic()
    while time.monotonic() - started < MESSAGE_DEADLINE_S:
        turn.attempts += 1
        try:
            answer = post_message(base_url, sender, turn.text, turn.message_id, timeout=ATTEMPT_TIMEOUT_S)
            if answer.status_code == 200 and answer.json():
                turn.replies = [m.get("text", "") for m in answer.json()]
                break
            turn.errors.append(f"HTTP {answer.status_code}: {answer.text[:80]}")
        except requests.RequestException as error:
            turn.errors.append(type(error).__name__)
        time.sleep(RETRY_PAUSE_S)
    turn.latency_s = time.monotonic() - started


def converse(base_url: str, script: List[str], run: Run) -> Tuple[str, List[Turn]]:
    sender = new_sender("scale")
    turns = [Turn(text, uuid.uuid4().hex) for text in script]
    for turn in turns:
        send_until_answered(base_url, sender, turn)
        if not turn.replies:
            break
        run.turn_answered()
    return sender, turns


def storage_problems(events: List[Tuple[int, str, float, dict]], turns: List[Turn]) -> List[str]:
    """What is wrong with one stored conversation: lost, duplicated or misordered events."""
    problems = []
    stored = [(data.get("text"), data.get("message_id")) for _, kind, _, data in events if kind == "user"]
    sent = [(turn.text, turn.message_id) for turn in turns]
    if stored != sent:
        problems.append(f"user messages stored {stored}, sent {sent}")
    times = [timestamp for _, _, timestamp, _ in events]
    if times != sorted(times):
        problems.append("events out of time order")
    # Each message is handled once: exactly one bot reply sequence and one action_listen after it.
    kinds = [(kind, data.get("name")) for _, kind, _, data in events]
    user_positions = [i for i, (kind, _) in enumerate(kinds) if kind == "user"] + [len(kinds)]
    for start, end in zip(user_positions, user_positions[1:]):
        between = kinds[start + 1 : end]
        if not any(kind == "bot" for kind, _ in between):
            problems.append(f"no reply stored after user event {start}")
        if between.count(("action", "action_listen")) != 1:
            problems.append(f"{between.count(('action', 'action_listen'))} action_listen after user event {start}")
    return problems


def test_fifty_conversations_survive_a_rasa_server_crash(scaled, database, capsys):
    scripts = [SCRIPTS[i % len(SCRIPTS)] for i in range(CONVERSATIONS)]
    run = Run(total_turns=sum(len(script) for script in scripts))
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CONVERSATIONS) as pool:
        futures = [pool.submit(converse, scaled.url, script, run) for script in scripts]
        assert run.crash_due.wait(timeout=600), "the run never got far enough to crash a server"
        scaled.kill_rasa(0)
        run.crashed_at = time.monotonic() - started
        conversations = [future.result() for future in futures]
    duration = time.monotonic() - started

    turns = [turn for _, conversation in conversations for turn in conversation]
    unanswered = [turn for turn in turns if not turn.replies]
    fallbacks = [turn for turn in turns if any(FAILURE_TEXT in reply for reply in turn.replies)]
    retried = [turn for turn in turns if turn.attempts > 1]
    problems: Dict[str, List[str]] = {}
    for sender, conversation in conversations:
        found = storage_problems(stored_conversation(database, sender), conversation)
        if found:
            problems[sender] = found
    latencies = [turn.latency_s for turn in turns if turn.replies]
    # Re-sent messages that the first attempt had handled and stored: answered, not handled again.
    answered_again = sum(scaled.rasa_log(index).count(REDELIVERY_LOG) for index in range(len(scaled.rasa_ports)))
    with capsys.disabled():
        print(
            f"\n\nScale-out run: {len(conversations)} conversations, {len(turns)} turns through nginx to "
            f"{len(scaled.rasa_ports)} Rasa servers in {duration:.0f} s ({len(turns) / duration:.1f} turns/s); "
            f"Rasa server 0 killed (SIGKILL) at {run.crashed_at:.0f} s.\n"
            f"  unanswered: {len(unanswered)}   answered with the failure fallback: {len(fallbacks)}\n"
            f"  retried messages: {len(retried)} ({sum(t.attempts - 1 for t in retried)} retries; errors seen: "
            f"{sorted({e.split(':')[0] for t in retried for e in t.errors})})\n"
            f"  re-sent messages already handled before the crash, answered without handling them again: "
            f"{answered_again}\n"
            f"  conversations with lost, duplicated or misordered events: {len(problems)}\n"
            f"  latency per message, retries included: p50 {statistics.median(latencies):.2f} s, "
            f"p95 {percentile(latencies, 95):.2f} s, max {max(latencies):.2f} s "
            f"(a conversation whose lock the killed server held waits up to {TICKET_LOCK_LIFETIME_S} s)\n"
        )

    assert not unanswered, [(t.text, t.errors) for t in unanswered]
    assert not fallbacks, [t.text for t in fallbacks]
    assert not problems, problems
    # The crash really hit messages in flight, or the test proved nothing about retries.
    assert retried, "no message needed a retry: the crash came too late or too early"


def test_a_restarted_server_serves_conversations_started_elsewhere(scaled, database):
    """The crashed server comes back and carries on a conversation the other server began."""
    sender = new_sender("rejoin")
    first = post_message(scaled.rasa_url(1), sender, "my dad has a fever of 38.6")
    assert first.status_code == 200 and first.json(), first.text

    scaled.restart_rasa(0)

    follow_up = post_message(scaled.rasa_url(0), sender, "kymriah")
    replies = [m.get("text", "") for m in follow_up.json()]
    assert any("When was it last given?" in reply for reply in replies), replies
    assert wait_for(lambda: readiness(scaled.url).status_code == 200, timeout=30)
