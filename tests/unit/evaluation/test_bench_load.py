"""The benchmark's load: its conversations, how a reply counts, and the driver against a fake REST channel."""

import asyncio
import itertools
import random
import time
from collections import Counter, defaultdict

import pytest
import yaml
from aiohttp import web

from bot.server.channels.guard import FloodLimiter, GuardReplies
from evaluation import bench_load
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
from evaluation.bench_load import (
    ANSWER,
    CLOSING_ANSWERS,
    HELDOUT,
    LONG,
    QUESTION,
    REPORT,
    THANKS,
    THERAPY_ANSWERS,
    TIMING_ANSWERS,
    TWENTY_TURNS,
    VIGNETTES,
    Turn,
    classify_reply,
    conversation_scripts,
    failure_replies,
    flood_safe_pause_s,
    message_sources,
    run_human_pace,
    run_load,
    run_turn_index,
)
from ops.stack import WEBHOOK_PATH, free_port

FLOOD_LIMIT_MESSAGES = 20


def test_reports_are_the_vignettes_and_questions_the_held_out_questions():
    reports, questions = message_sources()
    vignettes = yaml.safe_load(VIGNETTES.read_text())["vignettes"]
    by_text = {e["text"]: e["intent"] for e in yaml.safe_load(HELDOUT.read_text())["examples"]}
    assert reports == [v["text"] for v in vignettes]
    assert len(questions) >= 50
    assert all(by_text[q].startswith("ask_") or by_text[q] == "faq" for q in questions)


def _first(scripts, count):
    return list(itertools.islice(scripts, count))


def test_the_same_seed_gives_the_same_conversations():
    reports, questions = message_sources()
    assert _first(conversation_scripts(reports, questions, 8), 50) == _first(
        conversation_scripts(reports, questions, 8), 50
    )
    assert _first(conversation_scripts(reports, questions, 8), 50) != _first(
        conversation_scripts(reports, questions, 32), 50
    )


def test_conversations_are_mostly_reports_with_the_answers_a_person_gives():
    reports, questions = message_sources()
    conversations = _first(conversation_scripts(reports, questions, 1), 2000)
    kinds = Counter(c[0].kind for c in conversations)
    assert set(kinds) == {REPORT, QUESTION}
    assert 0.75 < kinds[REPORT] / len(conversations) < 0.85
    for conversation in conversations:
        assert 2 <= len(conversation) <= 4 < FLOOD_LIMIT_MESSAGES
        first, *rest = conversation
        if first.kind == REPORT:
            assert first.text in reports
            assert [
                t.text in answers for t, answers in zip(rest, (THERAPY_ANSWERS, TIMING_ANSWERS, CLOSING_ANSWERS))
            ] == [True, True, True]
            assert {t.kind for t in rest} == {ANSWER}
        else:
            asked = [t for t in conversation if t.kind == QUESTION]
            assert all(t.text in questions for t in asked) and len(set(t.text for t in asked)) == len(asked)
            assert conversation[-1] == Turn(conversation[-1].text, ANSWER) and conversation[-1].text in THANKS


REPLIES = GuardReplies()


@pytest.mark.parametrize(
    "status, body, outcome",
    [
        (200, [{"recipient_id": "a", "text": "Please contact your care team right away."}], OK),
        (200, [{"recipient_id": "a", "custom": {"triage": {}}}], OK),
        (200, [], EMPTY_REPLY),
        (200, {"error": "x"}, EMPTY_REPLY),
        (400, None, HTTP_ERROR),
        (500, None, HTTP_ERROR),
        (200, [{"recipient_id": "a", "text": REPLIES.too_fast}], REFUSED),
        (200, [{"recipient_id": "a", "text": REPLIES.failure}], FAILED),
    ],
)
def test_how_a_rest_answer_counts(status, body, outcome):
    assert classify_reply(status, body) == outcome


@pytest.mark.parametrize(
    "status, body, outcome",
    [(200, [], OK), (200, {"error": "x"}, EMPTY_REPLY), (500, [], HTTP_ERROR), (200, [{"text": "Bye"}], OK)],
)
def test_the_floor_answers_some_messages_with_nothing_and_that_is_its_answer(status, body, outcome):
    assert classify_reply(status, body, empty_is_answer=True) == outcome


def test_every_apology_of_the_guard_for_a_failure_counts_as_failed():
    apologies = failure_replies()
    assert REPLIES.failure in apologies and REPLIES.too_fast not in apologies
    for apology in apologies:
        assert classify_reply(200, [{"recipient_id": "a", "text": apology}]) == FAILED


def _fake_rest_channel(received):
    """Answers like the REST channel would, by the message: an answer, a flood refusal, a 500, an
    empty list, a body that is not JSON, or an answer after a second (for timeouts)."""

    async def webhook(request):
        body = await request.json()
        received[body["sender"]].append(body["message"])
        message = body["message"]
        if message == "flood":
            return web.json_response([{"recipient_id": body["sender"], "text": REPLIES.too_fast}])
        if message == "broken":
            return web.json_response({"error": "boom"}, status=500)
        if message == "empty":
            return web.json_response([])
        if message == "garbled":
            return web.Response(text="<html>", content_type="application/json")
        if message == "slow":
            await asyncio.sleep(1.0)
        return web.json_response([{"recipient_id": body["sender"], "text": f"you said {message}"}])

    app = web.Application()
    app.router.add_post(WEBHOOK_PATH, webhook)
    return app


async def _against_fake(drive):
    """`drive(base_url)` against the fake REST channel; what it returned, and what each sender sent."""
    received = defaultdict(list)
    runner = web.AppRunner(_fake_rest_channel(received))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        result = await drive(f"http://127.0.0.1:{port}")
    finally:
        await runner.cleanup()
    return result, received


async def _run_against_fake(scripts, seconds, concurrency=2, empty_is_answer=False):
    return await _against_fake(
        lambda url: run_load(url, concurrency, seconds, scripts, "test", empty_is_answer=empty_is_answer)
    )


def test_the_driver_records_every_outcome_and_a_person_stops_when_not_answered():
    conversations = [
        [Turn("hello", REPORT), Turn("flood", ANSWER), Turn("never sent", ANSWER)],
        [Turn("broken", REPORT), Turn("never sent", ANSWER)],
        [Turn("empty", QUESTION)],
        [Turn("garbled", QUESTION)],
        [Turn("hi", REPORT), Turn("ok", ANSWER)],
    ]
    run, received = asyncio.run(_run_against_fake(itertools.cycle(conversations), seconds=0.5))
    recorded = Counter(r.outcome for r in run.records)
    assert set(recorded) == {OK, REFUSED, HTTP_ERROR, EMPTY_REPLY, INVALID_REPLY}
    assert sum(recorded.values()) == sum(len(messages) for messages in received.values())
    assert all("never sent" not in messages for messages in received.values())
    assert all(len(messages) <= 2 for messages in received.values()), "a sender was used for two conversations"
    assert all(r.started_s < 0.5 and r.latency_ms > 0 for r in run.records)
    assert run.elapsed_s >= 0.5
    assert run.as_json()["turns"][0].keys() == {"kind", "outcome", "latency_ms", "started_s"}


def test_a_slow_answer_is_a_timeout(monkeypatch):
    monkeypatch.setattr(bench_load, "REQUEST_TIMEOUT_S", 0.2)
    run, _ = asyncio.run(_run_against_fake(itertools.repeat([Turn("slow", REPORT)]), seconds=0.1, concurrency=1))
    assert [r.outcome for r in run.records] == [TIMEOUT]
    assert 150 < run.records[0].latency_ms < 1000


def test_nothing_listening_is_a_connection_error():
    scripts = itertools.repeat([Turn("hello", REPORT)])
    run = asyncio.run(run_load(f"http://127.0.0.1:{free_port()}", 1, 0.2, scripts, "test"))
    assert run.records and {r.outcome for r in run.records} == {CONNECTION_ERROR}


def test_an_empty_reply_is_an_answer_only_for_the_floor():
    scripts = itertools.repeat([Turn("empty", QUESTION), Turn("hi", ANSWER)])
    run, received = asyncio.run(_run_against_fake(scripts, seconds=0.2, concurrency=1, empty_is_answer=True))
    assert {r.outcome for r in run.records} == {OK}
    assert any(messages == ["empty", "hi"] for messages in received.values())


def _sent_at(pause, count, limiter):
    """Whether the guard lets through each of `count` messages sent `pause` seconds apart."""
    clock = itertools.count(0.0, pause)
    limiter.clock = lambda: next(clock)
    return [limiter.allow("one-sender") for _ in range(count)]


def test_the_turn_index_pace_stays_under_the_flood_limit_however_fast_the_answers():
    pause = flood_safe_pause_s()
    assert all(_sent_at(pause, 100, FloodLimiter()))
    assert not all(_sent_at(0.9 * pause, 100, FloodLimiter()))  # the margin is what keeps it under
    assert all(_sent_at(flood_safe_pause_s(FloodLimiter(5, 2.0)), 50, FloodLimiter(5, 2.0)))


def test_the_long_conversation_is_twenty_turns_that_start_as_the_scripts_reports_do():
    assert len(TWENTY_TURNS) == 20
    assert TWENTY_TURNS[1].lower() in THERAPY_ANSWERS and TWENTY_TURNS[2] == "5 days ago"


def test_the_turn_index_sends_each_conversation_in_order_and_records_every_turn():
    turns = ("hello", "broken", "empty", "ok")
    measured, received = asyncio.run(
        _against_fake(lambda url: run_turn_index(url, turns, conversations=3, pause_s=0.01, sender_prefix="t"))
    )
    assert [[r.outcome for r in conversation] for conversation in measured] == [[OK, HTTP_ERROR, EMPTY_REPLY, OK]] * 3
    assert {r.kind for conversation in measured for r in conversation} == {LONG}
    assert sorted(received.values()) == [list(turns)] * 3
    assert len(received) == 3, "each conversation has a sender of its own"


def test_the_human_pace_starts_people_over_a_ramp_then_pauses_after_each_reply_until_the_end():
    arrivals = defaultdict(list)
    ramp_s, seconds = 0.3, 0.8

    async def webhook(request):
        body = await request.json()
        arrivals[body["sender"]].append((time.perf_counter(), body["message"]))
        return web.json_response([{"recipient_id": body["sender"], "text": "ok"}])

    async def drive():
        app = web.Application()
        app.router.add_post(WEBHOOK_PATH, webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        scripts = itertools.cycle([[Turn("a", REPORT), Turn("b", ANSWER), Turn("c", ANSWER)]])
        try:
            started = time.perf_counter()
            run = await run_human_pace(
                f"http://127.0.0.1:{port}", 8, seconds, scripts, "h", random.Random(1), (0.1, 0.2), ramp_s=ramp_s
            )
            return started, run
        finally:
            await runner.cleanup()

    started, run = asyncio.run(drive())
    sent = sum(len(messages) for messages in arrivals.values())
    assert run.concurrency == 8 and {r.outcome for r in run.records} == {OK}
    assert 10 <= len(run.records) < sent, "the turns of the ramp are sent, not measured"
    assert all(0.0 <= r.started_s < seconds for r in run.records) and seconds <= run.elapsed_s < seconds + 0.7
    first_messages = sorted(messages[0][0] - started for messages in arrivals.values())[:8]
    assert first_messages[0] < ramp_s and first_messages[-1] - first_messages[0] > ramp_s / 2, "started over the ramp"
    for messages in arrivals.values():
        assert [message for _, message in messages] == ["a", "b", "c"][: len(messages)]
        assert all(later - earlier >= 0.1 for (earlier, _), (later, _) in zip(messages, messages[1:]))
