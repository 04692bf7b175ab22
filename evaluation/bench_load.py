"""The load of `make bench`: realistic conversations over the REST channel, and what came back.

Each conversation is a few turns from a fresh sender, one turn after the reply to the other, as a
person types. Most are a symptom report (a vignette's text) followed by what a person answers to
the bot's questions: the treatment, when it was last given, and "no" to the follow-up question.
The others are one or two questions (held-out `ask_*` and `faq` examples) and a thank-you. A
conversation has at most four turns, far under the input guard's flood limit (20 messages in 10 s
from one sender); a refusal by the guard is still detected, and counted apart.

The scripts are drawn from a seeded generator, so every pipeline gets the same conversations.

Two more loads: one long conversation (TWENTY_TURNS) sent turn after turn to see whether a turn costs
more the longer the conversation is, paced under the flood limit; and a human-pace load, in which
each conversation sends its next message a random pause of 10-20 s after the reply.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Sequence, Set, Tuple

import aiohttp
import yaml

from bot import REPO_ROOT
from bot.server.channels.guard import FloodLimiter, GuardReplies
from evaluation.bench_figures import (
    CONNECTION_ERROR,
    EMPTY_REPLY,
    FAILED,
    HTTP_ERROR,
    INVALID_REPLY,
    OK,
    REFUSED,
    TIMEOUT,
)
from ops.stack import WEBHOOK_PATH

VIGNETTES = REPO_ROOT / "tests" / "data" / "vignettes" / "vignettes.yml"
HELDOUT = REPO_ROOT / "tests" / "data" / "heldout" / "nlu_heldout.yml"

# What people answer to the treatment form's two questions (some skip them) and to the follow-up.
THERAPY_ANSWERS = ("kymriah", "carvykti", "tecvayli", "yescarta", "blinatumomab", "abecma", "not sure")
TIMING_ANSWERS = ("3 days ago", "day +5", "last tuesday", "a week ago", "yesterday", "cant remember")
CLOSING_ANSWERS = ("no", "nope", "no thats all", "nothing else")
THANKS = ("thanks", "thank you", "ok thanks")
QUESTION_INTENTS = ("ask_", "faq")
REPORT_SHARE = 0.8
REQUEST_TIMEOUT_S = 30.0
# The pause a person leaves after a reply before the next message, at human pace (seconds).
HUMAN_PAUSE_S = (10.0, 20.0)
# The human pace's people start at random moments of this many seconds before it is measured: about
# two thirds of a conversation (3.7 turns at 15 s), so that the first reports come at no more than
# 1.5 times the rate they come at once the conversations are spread over their scripts.
HUMAN_PACE_RAMP_S = 40.0
# One long conversation, as a caregiver holds it: a report and the answers to the bot's questions
# (as in the scripts above), then the checks, more reports and document questions.
TWENTY_TURNS = (
    "my husband had his car t cells 5 days ago and he is running a fever of 38.6",
    "Yescarta",
    "5 days ago",
    "yes",
    "yes he keeps asking what year it is",
    "no",
    "not sure",
    "no",
    "he also has a headache",
    "yes",
    "his hands are shaking a bit",
    "what is CRS?",
    "he feels sick to his stomach",
    "can he drive next week?",
    "the fever is 38.9 now",
    "is tremor a side effect?",
    "he is very tired",
    "thank you",
    "he has some diarrhea too",
    "no",
)

REPORT, ANSWER, QUESTION = "report", "answer", "question"
LONG = "long"  # a turn of TWENTY_TURNS


@dataclass(frozen=True)
class Turn:
    text: str
    kind: str  # REPORT, ANSWER or QUESTION


@dataclass(frozen=True)
class TurnRecord:
    """One turn as measured: what it was, how it ended, how long the reply took."""

    kind: str
    outcome: str
    latency_ms: float
    started_s: float  # since the start of the run


def message_sources(vignettes: Path = VIGNETTES, heldout: Path = HELDOUT) -> Tuple[List[str], List[str]]:
    """(symptom reports, questions): the vignettes' texts, and the held-out questions."""
    reports = [v["text"] for v in yaml.safe_load(vignettes.read_text(encoding="utf-8"))["vignettes"]]
    examples = yaml.safe_load(heldout.read_text(encoding="utf-8"))["examples"]
    questions = [e["text"] for e in examples if e["intent"].startswith(QUESTION_INTENTS)]
    return reports, questions


def conversation_scripts(reports: Sequence[str], questions: Sequence[str], seed: int) -> Iterator[List[Turn]]:
    """An endless, reproducible stream of conversations (lists of turns)."""
    rng = random.Random(seed)
    while True:
        if rng.random() < REPORT_SHARE:
            yield [
                Turn(rng.choice(reports), REPORT),
                Turn(rng.choice(THERAPY_ANSWERS), ANSWER),
                Turn(rng.choice(TIMING_ANSWERS), ANSWER),
                Turn(rng.choice(CLOSING_ANSWERS), ANSWER),
            ]
        else:
            asked = rng.sample(list(questions), rng.choice((1, 2)))
            yield [*(Turn(q, QUESTION) for q in asked), Turn(rng.choice(THANKS), ANSWER)]


def failure_replies(replies: GuardReplies = GuardReplies()) -> Set[str]:
    """What the input guard sends when handling a message raised: its `failure*` replies."""
    return {getattr(replies, f.name) for f in fields(replies) if f.name.startswith("failure")}


def classify_reply(
    status: int, body: object, replies: GuardReplies = GuardReplies(), empty_is_answer: bool = False
) -> str:
    """How a REST answer counts: OK only for a non-empty list of bot messages that is neither the
    guard's flood refusal nor its apology for a failure. With `empty_is_answer` (the floor, whose
    rules answer some messages with nothing) an empty list is an answer too."""
    if status != 200:
        return HTTP_ERROR
    if isinstance(body, list) and not body and empty_is_answer:
        return OK
    if not isinstance(body, list) or not body:
        return EMPTY_REPLY
    texts = {m.get("text") for m in body if isinstance(m, dict)}
    if replies.too_fast in texts:
        return REFUSED
    if texts & failure_replies(replies):
        return FAILED
    return OK


async def send_turn(
    session: aiohttp.ClientSession, url: str, sender: str, text: str, empty_is_answer: bool = False
) -> Tuple[str, float]:
    """POST one message; (outcome, milliseconds until the whole answer was read)."""
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as response:
            status = response.status
            body = await response.json(content_type=None) if status == 200 else None
    except asyncio.TimeoutError:
        outcome = TIMEOUT
    except aiohttp.ClientConnectionError:
        outcome = CONNECTION_ERROR
    except (aiohttp.ClientError, ValueError):  # a 200 whose body is not JSON
        outcome = INVALID_REPLY
    else:
        outcome = classify_reply(status, body, empty_is_answer=empty_is_answer)
    return outcome, (time.perf_counter() - started) * 1000.0


@dataclass
class LoadRun:
    """What one run at one concurrency produced."""

    concurrency: int
    records: List[TurnRecord]
    elapsed_s: float  # from the start until the last turn in flight had its answer

    def as_json(self) -> dict:
        return {
            "concurrency": self.concurrency,
            "elapsed_s": self.elapsed_s,
            "turns": [asdict(r) for r in self.records],
        }


async def run_load(
    base_url: str,
    concurrency: int,
    seconds: float,
    scripts: Iterator[List[Turn]],
    sender_prefix: str,
    on_turn: Optional[Callable[[TurnRecord], None]] = None,
    empty_is_answer: bool = False,
) -> LoadRun:
    """`concurrency` people, each holding one conversation after another for `seconds`; no turn
    starts after that, and the turns in flight are waited for."""
    url = base_url + WEBHOOK_PATH
    records: List[TurnRecord] = []
    numbers = itertools.count()
    started = time.perf_counter()
    deadline = started + seconds

    async def person(session: aiohttp.ClientSession) -> None:
        while time.perf_counter() < deadline:
            sender = f"{sender_prefix}-{next(numbers)}-{uuid.uuid4().hex[:8]}"
            for turn in next(scripts):
                if time.perf_counter() >= deadline:
                    return
                turn_started = time.perf_counter() - started
                outcome, latency_ms = await send_turn(session, url, sender, turn.text, empty_is_answer)
                record = TurnRecord(turn.kind, outcome, latency_ms, turn_started)
                records.append(record)
                if on_turn:
                    on_turn(record)
                if outcome != OK:
                    break  # a person who gets no answer does not carry on with the script

    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await asyncio.gather(*(person(session) for _ in range(concurrency)))
    return LoadRun(concurrency, records, time.perf_counter() - started)


def flood_safe_pause_s(limiter: FloodLimiter = FloodLimiter()) -> float:
    """A pause between one sender's messages that keeps it under the guard's flood limit however
    fast the answers come (10% over one window's share of its limit)."""
    return 1.1 * limiter.window_seconds / limiter.limit


async def run_turn_index(
    base_url: str,
    turns: Sequence[str],
    conversations: int,
    pause_s: float,
    sender_prefix: str,
    empty_is_answer: bool = False,
) -> List[List[TurnRecord]]:
    """`conversations` conversations of `turns`, one after the other, `pause_s` after each reply;
    a turn without an answer is recorded and the conversation goes on, so that every index counts."""
    url = base_url + WEBHOOK_PATH
    measured: List[List[TurnRecord]] = []
    started = time.perf_counter()
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for number in range(conversations):
            sender = f"{sender_prefix}-{number}-{uuid.uuid4().hex[:8]}"
            records = []
            for text in turns:
                turn_started = time.perf_counter() - started
                outcome, latency_ms = await send_turn(session, url, sender, text, empty_is_answer)
                records.append(TurnRecord(LONG, outcome, latency_ms, turn_started))
                await asyncio.sleep(pause_s)
            measured.append(records)
    return measured


async def run_human_pace(
    base_url: str,
    conversations: int,
    seconds: float,
    scripts: Iterator[List[Turn]],
    sender_prefix: str,
    rng: random.Random,
    pause_s: Tuple[float, float] = HUMAN_PAUSE_S,
    on_turn: Optional[Callable[[TurnRecord], None]] = None,
    empty_is_answer: bool = False,
    ramp_s: float = HUMAN_PACE_RAMP_S,
) -> LoadRun:
    """`conversations` people at once, each sending the next message of a script a random pause
    (between `pause_s`) after the reply, then starting another conversation, for `seconds`; no
    turn starts after that, and the turns in flight are waited for. Open loop: no concurrency
    cap, so a slow server gets the messages all the same. Every request on a new connection,
    since a server closes an idle keep-alive connection within the pause.

    The people start one by one, at random moments of a ramp of `ramp_s` before the measured
    `seconds` (its turns are sent, not measured), so that their conversations are spread over
    their scripts when the measurement starts: started at once, the costly first reports would
    come in waves, a conversation apart."""
    url = base_url + WEBHOOK_PATH
    records: List[TurnRecord] = []
    numbers = itertools.count()
    ramp_started = time.perf_counter()
    started = ramp_started + ramp_s  # the measurement
    deadline = started + seconds

    async def wait_until(moment: float) -> bool:
        """Sleep until `moment`, unless the run is over by then (no turn is sent after it)."""
        if moment >= deadline:
            return False
        await asyncio.sleep(max(0.0, moment - time.perf_counter()))
        return time.perf_counter() < deadline

    async def person(session: aiohttp.ClientSession, starts_at: float) -> None:
        if not await wait_until(starts_at):
            return
        while True:
            sender = f"{sender_prefix}-{next(numbers)}-{uuid.uuid4().hex[:8]}"
            for turn in next(scripts):
                measured = time.perf_counter() >= started
                turn_started = time.perf_counter() - started
                outcome, latency_ms = await send_turn(session, url, sender, turn.text, empty_is_answer)
                if measured:
                    record = TurnRecord(turn.kind, outcome, latency_ms, turn_started)
                    records.append(record)
                    if on_turn:
                        on_turn(record)
                if not await wait_until(time.perf_counter() + rng.uniform(*pause_s)):
                    return
                if outcome != OK:
                    break  # a person who gets no answer starts again, in a new conversation

    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    starts = [ramp_started + rng.uniform(0.0, ramp_s) for _ in range(conversations)]
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await asyncio.gather(*(person(session, moment) for moment in starts))
    # The load was offered for `seconds`, though the last person may have stopped before the end.
    return LoadRun(conversations, records, max(seconds, time.perf_counter() - started))
