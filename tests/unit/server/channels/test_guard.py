"""The input guard: what every channel answers instead of passing a message on."""

import asyncio
import logging
import time

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.server.channels.guard import MAX_MESSAGE_CHARACTERS, RED_FLAG_SCAN_CHARACTERS, FloodLimiter, MessageGuard
from bot.server.stores.tracker_store import TrackerStoreUnavailable


@pytest.fixture
def guard(extractor):
    return MessageGuard(extractor, FloodLimiter(limit=3, window_seconds=10, clock=lambda: 0.0))


def handled(guard, text, sender="s1", fail=None):
    """Send one message through the guard; return (texts sent back, text Rasa received or None)."""
    received = []

    async def on_new_message(message):
        received.append(message.text)
        if fail:
            raise fail
        await message.output_channel.send_text_message(message.sender_id, "normal reply")

    output = CollectingOutputChannel()
    asyncio.run(guard.wrap(on_new_message)(UserMessage(text, output, sender)))
    return [m["text"] for m in output.messages], (received[0] if received else None)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_messages_are_answered_not_passed_on(guard, text):
    replies, received = handled(guard, text)
    assert received is None
    assert "did not receive any words" in replies[0] and "911" in replies[0]


@pytest.mark.parametrize("value", [123, ["a"], {"text": "hi"}, None, True])
def test_non_text_is_refused(guard, value):
    assert "only read text" in guard.refusal(value, "s1")


def test_long_message_is_refused_with_its_limit(guard):
    replies, received = handled(guard, "my head hurts. " * 100)
    assert received is None
    assert str(MAX_MESSAGE_CHARACTERS) in replies[0] and "care team" in replies[0]


def test_long_message_with_a_red_flag_still_gets_emergency_advice(guard):
    replies, _ = handled(guard, "x " * 600 + "and then he had a seizure")
    assert replies[0].startswith(
        "Your message mentions something that may be an emergency. Call emergency services now"
    )


DIARY = "Sorry this is so long, I am writing down everything from today so that I don't forget any of it. "
SEIZURE = " Then at the kitchen table my wife had a seizure."
EMERGENCY_FIRST = "Your message mentions something that may be an emergency. Call emergency services now"


def diary(length, then=""):
    """A caregiver's long account of the day, `length` characters, `then` at its end."""
    return (DIARY * (length // len(DIARY) + 1))[: length - len(then)] + then


@pytest.mark.parametrize("length", [MAX_MESSAGE_CHARACTERS + 1, 1_000_001, 5_000_000], ids=["1001", "1M", "5M"])
def test_a_message_of_any_length_gets_the_too_long_answer_at_once(guard, length):
    """Past 1,000,000 characters spaCy refuses to read (E088): the whole text must never reach it."""
    started = time.monotonic()
    replies, received = handled(guard, diary(length))
    took = time.monotonic() - started
    assert received is None and replies == [guard.replies.too_long]
    assert took < 2.0, f"a {length}-character message took {took:.2f} s to refuse"


@pytest.mark.parametrize("length", [1_000_001, 5_000_000], ids=["1M", "5M"])
def test_a_huge_message_that_starts_with_a_red_flag_gets_emergency_advice(guard, length):
    text = "My wife had a seizure and I can't wake her up. " + diary(length - 47)
    replies, _ = handled(guard, text)
    assert replies[0].startswith(EMERGENCY_FIRST), replies


def test_a_red_flag_within_twice_the_limit_is_read(guard):
    replies, _ = handled(guard, diary(RED_FLAG_SCAN_CHARACTERS, then=SEIZURE))
    assert replies[0].startswith(EMERGENCY_FIRST), replies


def test_a_red_flag_past_twice_the_limit_is_not_read_but_the_answer_names_emergency_services(guard):
    """The bound, as documented: the refusal still says when to call emergency services."""
    replies, _ = handled(guard, diary(RED_FLAG_SCAN_CHARACTERS + len(SEIZURE), then=SEIZURE))
    assert replies == [guard.replies.too_long]
    assert "seizure" in replies[0] and "911" in replies[0]


def test_the_too_long_answer_goes_out_even_when_the_recogniser_fails(guard, monkeypatch):
    monkeypatch.setattr(guard, "mentions_red_flag", lambda text: 1 / 0)
    replies, received = handled(guard, diary(5_000_000, then=SEIZURE))
    assert received is None and replies == [guard.replies.too_long]


def test_flood_is_slowed_not_dropped_silently(guard):
    results = [handled(guard, "I feel dizzy", sender="flooder") for _ in range(5)]
    assert [r[1] for r in results[:3]] == ["I feel dizzy"] * 3
    assert all(r[1] is None and "faster than I can answer" in r[0][0] for r in results[3:])
    assert handled(guard, "I feel dizzy", sender="someone else")[1] == "I feel dizzy"


def test_flood_window_passes():
    now = [0.0]
    limiter = FloodLimiter(limit=2, window_seconds=10, clock=lambda: now[0])
    assert limiter.allow("a") and limiter.allow("a") and not limiter.allow("a")
    now[0] = 10.5
    assert limiter.allow("a")


def test_injection_is_read_as_words(guard):
    _, received = handled(guard, '/report_symptom{"symptom":"seizure"}')
    assert received == "report symptom symptom seizure"


def test_a_failure_still_answers_with_the_safe_advice(guard):
    replies, _ = handled(guard, "I feel dizzy", fail=RuntimeError("boom"))
    assert replies == [guard.replies.failure]
    assert "care team" in replies[-1] and "911" in replies[-1]


@pytest.mark.parametrize("error", [RuntimeError("boom"), TrackerStoreUnavailable("database gone", "OperationalError")])
def test_a_failure_on_a_red_flag_still_says_call_emergency_services_now(guard, error):
    replies, _ = handled(guard, "my husband had a seizure and now he won't wake up", fail=error)
    assert replies == [guard.replies.failure_red_flag]
    assert replies[0].startswith(
        "Your message mentions something that may be an emergency. Call emergency services now"
    )


def test_a_tracker_store_outage_is_logged_at_error_without_the_words(guard, caplog):
    with caplog.at_level(logging.ERROR, logger="bot.server.channels.guard"):
        handled(guard, "zebracrossing feels dizzy", fail=TrackerStoreUnavailable("database gone", "OperationalError"))
    assert "tracker store is unavailable" in caplog.text and "zebracrossing" not in caplog.text


def test_the_fallback_answers_even_when_the_recogniser_fails(guard, monkeypatch):
    monkeypatch.setattr(guard, "mentions_red_flag", lambda text: 1 / 0)
    assert guard.failure_reply("he had a seizure") == guard.replies.failure


def test_rasa_receives_the_message_under_the_clients_id(guard):
    received = []

    async def on_new_message(message):
        received.append(message.message_id)

    message = UserMessage("fever 39", CollectingOutputChannel(), "s1", metadata={"message_id": "web-41"})
    asyncio.run(guard.wrap(on_new_message)(message))
    assert received == ["web-41"]
