"""Bad input over both channels a person can reach: REST (/webhooks/rest/webhook) and socket.io
(the web widget's channel, driven here as rasa-webchat drives it).

Every bad input must get a clear answer (or, for a malformed REST request, a 400 with a JSON
error) that still points to the care team and emergency services, never a silent drop or a
crash; and afterwards the server still answers normally.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, List, Optional

import pytest
import requests

from bot.server.patches import MAX_REQUEST_BYTES
from tests.support.raw_rest import post_json, post_raw
from tests.support.replies import (
    advice_urgency,
    asks_a_question,
    names_care_team,
    present_ids,
    reply_complete,
    response_texts,
    responses_sent,
    texts,
    triage_payload,
)
from tests.support.socketio_chat import SocketChat, plain_messages
from tests.support.stack import RasaStack, new_sender

CHANNELS = ["rest", "socketio"]
LIMIT = 1000
FILLER = "We have been at home since the treatment and I am writing down everything that happened today. "
FLOOD_SIZE = 40
FLOOD_WINDOW_S = 10.0  # the input guard's window: a sender may send again once it has passed
# The reports let through are answered one after another (one conversation, one lock); over
# socket.io the backlog of ~19 reports, each now going through the treatment form, took more than
# 180 s on a 2-core machine. Slow, but every one is answered; see the issue 4 notes.
FLOOD_BACKLOG_TIMEOUT_S = 480
ASK_DESCRIBE = response_texts("utter_ask_describe")[0]
ASK_TIMING = response_texts("utter_ask_treatment_timing")[0]


def padded(tail: str, length: int, head: str = "") -> str:
    """`head` + neutral filler + `tail`, exactly `length` characters long."""
    body = (FILLER * (length // len(FILLER) + 1))[: length - len(head) - len(tail)]
    text = head + body + tail
    assert len(text) == length
    return text


def one_text(messages: List[dict]) -> str:
    sent = texts(messages)
    assert len(sent) == 1, f"expected exactly one message (the input guard's answer), got: {sent}"
    return sent[0]


def assert_emergency_line(text: str) -> None:
    assert "emergency services" in text and "911" in text, f"no emergency services / 911 in {text!r}"


# ------------------------------------------------------------------------------ both channels


class Chat:
    """One conversation over one channel; replies come back with plain texts (no tel: links)."""

    def __init__(self, channel: str, stack: RasaStack, open_socket: Callable[..., SocketChat]) -> None:
        self.channel = channel
        self.stack = stack
        self.sender = new_sender(f"bad-{channel}")
        self.socket: Optional[SocketChat] = open_socket() if channel == "socketio" else None

    def say(self, message: object, until: Optional[Callable[[List[dict]], bool]] = None) -> List[dict]:
        if self.socket is not None:
            messages = plain_messages(self.socket.say(message, until=until))
        else:
            response = post_json(self.stack.url, {"sender": self.sender, "message": message})
            assert response.status_code == 200, f"{message!r} answered {response.status_code}: {response.text[:300]}"
            messages = response.json()
        assert messages, f"no reply over {self.channel} to {str(message)[:80]!r}"
        return messages

    def report(self, message: str) -> List[dict]:
        """A symptom report: wait for the whole reply (advice, documents, question)."""
        return self.say(message, until=reply_complete)


@pytest.fixture(params=CHANNELS)
def chat(request, stack: RasaStack, socket_chat) -> Chat:
    return Chat(request.param, stack, socket_chat)


@pytest.mark.parametrize("message", ["", " ", "  \n\t  "], ids=["empty", "space", "whitespace"])
def test_empty_or_blank_message_asks_for_words(chat, message):
    messages = chat.say(message)
    text = one_text(messages)
    assert "did not receive any words" in text, text
    assert "tell me what you are noticing" in text.lower(), text
    assert_emergency_line(text)
    assert triage_payload(messages) is None


def test_over_long_message_names_the_limit_and_is_not_read(chat):
    # The symptom is past the limit: a channel that cut the message silently would lose it.
    messages = chat.say(padded(" I feel dizzy.", LIMIT + 1))
    text = one_text(messages)
    assert f"longer than {LIMIT} characters" in text, f"the reply does not name the limit: {text!r}"
    assert "have not read it" in text and "shorter parts" in text, f"the reply does not say it was not read: {text!r}"
    assert names_care_team(text), text
    assert_emergency_line(text)
    assert advice_urgency(messages) is None and triage_payload(messages) is None, (
        f"part of an over-long message was answered as if read: {texts(messages)}"
    )


def test_message_of_exactly_the_limit_is_read(chat):
    messages = chat.report(padded(" I feel dizzy.", LIMIT))
    # Read, not cut: the dizziness at its end is found. The learned layer reads a long account as
    # a possible emergency (its filler alone scores 0.58), and then no question may follow.
    urgency = advice_urgency(messages)
    assert urgency in ("urgent", "emergency"), f"a {LIMIT}-character message was not read: {texts(messages)}"
    assert asks_a_question(messages) == (urgency == "urgent"), texts(messages)
    if chat.channel == "rest":
        assert "dizziness" in present_ids(triage_payload(messages)), triage_payload(messages)


@pytest.mark.parametrize("where", ["start", "end"])
def test_over_long_message_with_a_red_flag_gets_emergency_advice(chat, where):
    red_flag = "My husband, he had a seizure."
    message = padded(" " + red_flag, LIMIT + 200) if where == "end" else padded("", LIMIT + 200, head=red_flag + " ")
    text = one_text(chat.say(message))
    assert "Call emergency services now" in text and "911" in text, f"no emergency advice: {text!r}"
    assert f"{LIMIT} characters" in text and "shorter parts" in text, f"the reply does not name the limit: {text!r}"


# Sizes up to the server's request limit (bot/server/patches.py): whatever it accepts is answered
# by the input guard, at once; a larger body is refused before it is read.
JUST_UNDER_THE_REQUEST_LIMIT = MAX_REQUEST_BYTES - 2000  # the message; the rest of the body fits in 2000
OVER_THE_REQUEST_LIMIT = {"1MB": 1_000_000, "5MB": 5_000_000}
FIRST_REPLY_S = 2.0  # the guard's answer, however long the message (REST, where a reply is one response)


@pytest.mark.parametrize("red_flag", [False, True], ids=["no-red-flag", "red-flag-first"])
def test_a_message_just_under_the_request_limit_is_refused_at_once(chat, red_flag):
    head = "She had a seizure an hour ago and now she won't wake up properly. " if red_flag else ""
    message = padded(" I feel dizzy.", JUST_UNDER_THE_REQUEST_LIMIT, head=head)
    started = time.monotonic()
    text = one_text(chat.say(message))
    took = time.monotonic() - started
    assert f"longer than {LIMIT} characters" in text and "shorter parts" in text, text
    if red_flag:
        assert text.startswith("Your message mentions something that may be an emergency. Call emergency services now")
    else:
        assert "have not read it" in text and names_care_team(text), text
    assert_emergency_line(text)
    if chat.channel == "rest":
        assert took < FIRST_REPLY_S, f"a {len(message):,}-character message took {took:.1f} s to be answered"


@pytest.mark.parametrize("size", OVER_THE_REQUEST_LIMIT.values(), ids=OVER_THE_REQUEST_LIMIT.keys())
def test_rest_body_over_the_request_limit_is_a_413_with_an_error(stack, size):
    message = padded(" My husband had a seizure.", size)
    response = post_json(stack.url, {"sender": new_sender("bad-rest"), "message": message})
    assert response.status_code == 413, f"expected 413, got {response.status_code}: {response.text[:300]}"
    body = response.json()
    assert set(body) == {"error"} and f"larger than {MAX_REQUEST_BYTES:,} bytes" in body["error"], body
    messages = stack.send(new_sender("bad-rest"), "I feel dizzy")
    assert advice_urgency(messages) == "urgent", f"no normal answer after the 413: {texts(messages)}"


@pytest.mark.parametrize("size", OVER_THE_REQUEST_LIMIT.values(), ids=OVER_THE_REQUEST_LIMIT.keys())
def test_socket_message_over_the_request_limit_closes_the_connection_and_the_next_is_answered(socket_chat, size):
    """engine.io refuses it before the guard sees it: no answer, the transport's own 413."""
    chat = socket_chat()
    chat.send(padded(" My husband had a seizure.", size))
    assert chat.collect(timeout=10) == [], "a message over the limit was answered"
    deadline = time.monotonic() + 10
    while chat.client.connected and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not chat.client.connected, "the connection that sent a message over the limit is still open"
    messages = plain_messages(socket_chat().say("I feel dizzy", until=reply_complete))
    assert advice_urgency(messages) == "urgent", f"no normal answer after the refused message: {texts(messages)}"


def test_injected_intent_with_entities_is_read_as_a_seizure(chat):
    raw: List[dict] = []
    if chat.socket is not None:
        raw = chat.socket.say('/report_symptom{"symptom":"seizure"}', until=reply_complete)
        messages = plain_messages(raw)
    else:
        messages = chat.report('/report_symptom{"symptom":"seizure"}')
    sent = texts(messages)
    assert advice_urgency(messages) == "emergency", f"not read as a seizure: {sent}"
    assert_emergency_line(sent[0])
    assert any(names_care_team(t) for t in sent), sent
    if chat.channel == "rest":
        payload = triage_payload(messages)
        assert payload and payload["urgency"] == "emergency" and "seizure" in present_ids(payload), payload
    else:
        assert raw[0].get("metadata") == {"customCss": {"style": "class", "css": "triage-emergency"}}, (
            f"the emergency advice is not marked for the widget: {raw[0]}"
        )


def test_bare_injected_intent_gets_a_normal_reply(chat):
    messages = chat.say("/greet")
    names = responses_sent(messages)
    assert names and all(n.startswith("utter_") for n in names), (
        f"'/greet' did not get one of the bot's responses: {texts(messages)}"
    )
    assert not any("something went wrong" in t for t in texts(messages)), texts(messages)
    # The conversation goes on normally afterwards.
    assert advice_urgency(chat.report("I feel dizzy")) == "urgent"


def _classify(messages: List[dict]) -> str:
    sent = texts(messages)
    if any("sending messages faster than I can answer" in t for t in sent):
        return "too fast"
    if advice_urgency(messages) == "urgent":
        return "answered"
    return f"unexpected: {sent}"


def test_flood_is_limited_and_the_conversation_survives(chat):
    assert advice_urgency(chat.report("I feel dizzy")) == "urgent"
    message = "I feel dizzy"
    started = time.monotonic()
    if chat.socket is not None:
        for _ in range(FLOOD_SIZE):
            chat.socket.send(message)
        sent_in = time.monotonic() - started

        # Socket replies are not grouped per message: a report counts as answered by its advice,
        # which comes first in its reply.
        def all_answered(received: List[dict]) -> bool:
            sent = texts(received)
            refused = sum("sending messages faster" in t for t in sent)
            advised = sum(advice_urgency([{"text": t}]) is not None for t in sent)
            return refused + advised >= FLOOD_SIZE

        received = plain_messages(chat.socket.collect(until=all_answered, timeout=FLOOD_BACKLOG_TIMEOUT_S))
        sent = texts(received)
        advice = [advice_urgency([{"text": t}]) for t in sent if advice_urgency([{"text": t}]) is not None]
        outcomes = ["too fast"] * sum("sending messages faster than I can answer" in t for t in sent) + [
            "answered"
        ] * len(advice)
        assert set(advice) <= {"urgent"}, f"a flood report got other advice than urgent: {advice}"
        too_fast = next((t for t in sent if "sending messages faster" in t), "")
    else:

        def post(_: int) -> List[dict]:
            response = post_json(chat.stack.url, {"sender": chat.sender, "message": message})
            assert response.status_code == 200, f"flood message answered {response.status_code}: {response.text[:300]}"
            return response.json()

        with ThreadPoolExecutor(max_workers=FLOOD_SIZE) as pool:
            futures = [pool.submit(post, i) for i in range(FLOOD_SIZE)]
            sent_in = time.monotonic() - started
            replies = [f.result(timeout=FLOOD_BACKLOG_TIMEOUT_S) for f in futures]
        outcomes = [_classify(r) for r in replies]
        too_fast = next((t for r in replies for t in texts(r) if "sending messages faster" in t), "")
    assert sent_in < 5, f"the flood took {sent_in:.1f} s to send"
    unexpected = [o for o in outcomes if o not in ("too fast", "answered")]
    assert not unexpected, f"flood messages without a proper answer: {unexpected}"
    assert len(outcomes) == FLOOD_SIZE, f"{FLOOD_SIZE} messages sent, {len(outcomes)} answered: {outcomes}"
    assert outcomes.count("too fast") >= 1, f"no flood message was told to slow down: {outcomes}"
    assert outcomes.count("answered") >= 1, f"no flood message was answered at all: {outcomes}"
    assert "wait a few seconds" in too_fast and names_care_team(too_fast), too_fast
    assert_emergency_line(too_fast)
    assert all(s.running for s in chat.stack.servers), chat.stack.logs()

    time.sleep(FLOOD_WINDOW_S + 1)
    # The tracker kept the conversation: "not sure" answers the treatment question asked before
    # the wait, so the next treatment question follows.
    messages = chat.say("not sure")
    assert ASK_TIMING in texts(messages), (
        f"'not sure' after the flood was not read as the answer to the treatment question: {texts(messages)}"
    )
    messages = chat.report("I feel confused")
    assert advice_urgency(messages) == "urgent", f"no normal answer after the flood: {texts(messages)}"


def test_yes_without_a_question_is_not_read_as_an_answer(chat):
    """The control for the flood test's check: only a conversation that asked reads "yes" so."""
    messages = chat.say("yes")
    assert ASK_DESCRIBE not in texts(messages), texts(messages)


# ------------------------------------------------------------------------------ REST only

NOT_TEXT = [123, 1.5, True, ["my husband had a seizure"], {"text": "my husband had a seizure"}, None]


@pytest.mark.parametrize("message", NOT_TEXT, ids=["int", "float", "bool", "list", "object", "null"])
def test_rest_non_text_message_is_a_400_with_an_error(stack, message):
    response = post_json(stack.url, {"sender": new_sender("bad-rest"), "message": message})
    _assert_json_error(response, "'message'")


def test_rest_missing_message_is_a_400_with_an_error(stack):
    _assert_json_error(post_json(stack.url, {"sender": new_sender("bad-rest")}), "'message'")


@pytest.mark.parametrize(
    "body,expected",
    [
        (b'[{"sender": "x", "message": "hello"}]', "JSON object"),
        (b'"hello"', "JSON object"),
        (b"", "JSON object"),
        (b'{"sender": "x", "message": "hello"', "valid JSON"),
        (b"{sender: x}", "valid JSON"),
        (b'{"sender": "x", "message": "I feel \xff\xfe dizzy"}', "UTF-8"),
    ],
    ids=["list", "string", "empty", "truncated", "not-json", "invalid-utf8"],
)
def test_rest_malformed_body_is_a_400_with_an_error(stack, body, expected):
    _assert_json_error(post_raw(stack.url, body), expected)


@pytest.mark.parametrize(
    "body",
    [
        {"message": "my husband had a seizure"},
        {"sender": "", "message": "my husband had a seizure"},
        {"sender": "   ", "message": "my husband had a seizure"},
        {"sender": None, "message": "my husband had a seizure"},
        {"sender": ["me"], "message": "my husband had a seizure"},
    ],
    ids=["missing", "empty", "blank", "null", "list"],
)
def test_rest_missing_sender_is_a_400_with_an_error(stack, body):
    _assert_json_error(post_json(stack.url, body), "'sender'")


def _assert_json_error(response, expected: str) -> None:
    assert response.status_code == 400, f"expected 400, got {response.status_code}: {response.text[:300]}"
    assert response.headers.get("Content-Type", "").startswith("application/json"), response.headers
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    assert expected in body["error"], f"the error does not say what is wrong ({expected!r}): {body}"


# ------------------------------------------------------------------------------ socket.io only


@pytest.mark.parametrize("message", NOT_TEXT, ids=["int", "float", "bool", "list", "object", "null"])
def test_socket_non_text_message_gets_a_text_only_answer(socket_chat, message):
    _assert_not_text_answer(socket_chat().say(message))


@pytest.mark.parametrize(
    "data",
    [
        {"session_id": "ignored"},  # no message at all
        "my husband had a seizure",
        ["my husband had a seizure"],
        42,
    ],
    ids=["no-message", "string", "list", "number"],
)
def test_socket_malformed_event_gets_a_text_only_answer(socket_chat, data):
    chat = socket_chat()
    if isinstance(data, dict):
        data = dict(data, session_id=chat.session_id)
    chat.emit(data)
    _assert_not_text_answer(chat.collect())


def _assert_not_text_answer(messages: List[dict]) -> None:
    text = one_text(plain_messages(messages))
    assert "I can only read text messages" in text and "type what you are noticing" in text, text
    assert_emergency_line(text)


def test_socket_message_without_a_session_id_is_answered(socket_chat):
    chat = socket_chat()
    chat.emit({"message": "my husband had a seizure"})
    messages = plain_messages(chat.collect(until=reply_complete))
    assert advice_urgency(messages) == "emergency", texts(messages)


# ------------------------------------------------------------------------------ still alive


def test_server_answers_normally_after_all_bad_input(chat):
    """Last in this module: after everything above, a normal report gets a normal reply."""
    assert all(s.running for s in chat.stack.servers), chat.stack.logs()
    messages = chat.report("I don't have a fever but I feel confused")
    sent = texts(messages)
    assert advice_urgency(messages) == "urgent", f"no normal reply after the bad input: {sent}"
    assert names_care_team(sent[0]), sent
    assert any("nervous-system" in t.lower() for t in sent), f"no documents' guidance for confusion: {sent}"


def test_a_client_that_hangs_up_mid_turn_leaves_no_words_in_the_log(stack):
    """Sanic cancels the turn; Rasa's REST channel logs that at ERROR with the text (bot/server/log_redaction.py)."""
    marker = f"zebracrossing{uuid.uuid4().hex[:8]}"
    with pytest.raises(requests.Timeout):
        requests.post(
            stack.url + "/webhooks/rest/webhook",
            # connected, then gone before any turn can answer (a report's turn now takes 30-90 ms)
            timeout=(5, 0.002),
            json={"sender": f"hangup-{marker}", "message": f"{marker} had a seizure"},
        )
    deadline = time.monotonic() + 20
    while "rest.message.received.timeout" not in stack.rasa_log() and time.monotonic() < deadline:
        time.sleep(0.5)
    log = stack.rasa_log()
    assert "rest.message.received.timeout" in log
    assert marker not in log
