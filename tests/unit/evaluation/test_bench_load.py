"""The benchmark's load: its conversations, how a reply counts, and the driver against a fake REST channel."""

import asyncio
import itertools
from collections import Counter, defaultdict

import pytest
import yaml
from aiohttp import web

from bot.server.channels.guard import GuardReplies
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
    QUESTION,
    REPORT,
    THANKS,
    THERAPY_ANSWERS,
    TIMING_ANSWERS,
    VIGNETTES,
    Turn,
    classify_reply,
    conversation_scripts,
    failure_replies,
    message_sources,
    run_load,
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


async def _run_against_fake(scripts, seconds, concurrency=2):
    received = defaultdict(list)
    runner = web.AppRunner(_fake_rest_channel(received))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        run = await run_load(f"http://127.0.0.1:{port}", concurrency, seconds, scripts, "test")
    finally:
        await runner.cleanup()
    return run, received


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
