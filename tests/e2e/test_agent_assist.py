"""The helpline agent-assist API and page, against the live stack, as a helpline tool uses them."""

import json
import subprocess
import time
import uuid

import pytest
import requests

from bot import REPO_ROOT
from bot.server.patches import MAX_REQUEST_BYTES
from bot.triage.reply_audit import find_unsafe_phrases
from tests.support.replies import triage_payload
from tests.support.stack import E2E_AGENT_TOKEN, new_sender

PATH = "/webhooks/agent_assist/triage"
SCHEMATHESIS = REPO_ROOT / ".venv-tools" / "bin" / "schemathesis"
OPENAPI = REPO_ROOT / "docs" / "agent_assist.openapi.yaml"


def post(stack, body, token=E2E_AGENT_TOKEN, raw=None):
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else json.dumps(body).encode()
    return requests.post(stack.url + PATH, data=data, headers=headers, timeout=60)


def call_id():
    return f"call-{uuid.uuid4().hex[:10]}"


def test_the_issues_example(stack):
    reply = post(stack, {"text": "temp 38.9 and he's mixing up words", "conversation_id": call_id()})
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    assert answer["urgency"] == "urgent"
    present = {s["id"]: s for s in answer["symptoms"] if not s["negated"]}
    assert present["fever"]["value"] == "38.9 C"
    assert "trouble_speaking" in present
    assert {"crs", "icans"} <= set(answer["groups"])
    assert "care team right away" in answer["script"]
    assert answer["summary"].startswith("Caregiver reports: fever (38.9 C), trouble speaking")
    assert {s["id"] for s in answer["sources"]} >= {"acs-car-t-side-effects"}
    assert all(g["source"] in {s["id"] for s in answer["sources"]} for g in answer["guidance"] if g["source"])
    assert find_unsafe_phrases(answer["script"] + answer["summary"]) == []


def test_without_or_with_a_wrong_token_it_is_401(stack):
    body = {"text": "temp 38.9 and he's mixing up words"}
    for token in (None, "wrong-token", E2E_AGENT_TOKEN[:-1]):
        reply = post(stack, body, token=token)
        assert reply.status_code == 401
        assert reply.json() == {"error": "Missing or wrong bearer token."}
        assert "symptoms" not in reply.text


def test_a_call_adds_up_over_several_requests(stack):
    conversation = call_id()
    first = post(stack, {"text": "she's been off her food all evening", "conversation_id": conversation}).json()
    second = post(stack, {"text": "now 38.6, day +3 after cilta-cel", "conversation_id": conversation}).json()
    third = post(stack, {"text": "no seizure, but she can't find her words", "conversation_id": conversation}).json()
    assert first["conversation_id"] == second["conversation_id"] == conversation
    assert second["urgency"] == "urgent"
    assert {(s["id"], s["negated"]) for s in third["symptoms"]} >= {
        ("fever", False),
        ("trouble_speaking", False),
        ("seizure", True),
    }
    assert third["therapy"] == "ciltacabtagene_autoleucel" and third["days_since_treatment"] == 3
    assert "Denies: seizure." in third["summary"]
    other = post(stack, {"text": "bit of a rash, he takes lenalidomide", "conversation_id": call_id()}).json()
    assert {s["id"] for s in other["symptoms"]} == {"rash"} and other["urgency"] == "routine"


def test_a_red_flag_is_an_emergency_with_emergency_services_first(stack):
    answer = post(stack, {"text": "he just had a fit and now he won't wake up"}).json()
    assert answer["urgency"] == "emergency"
    assert answer["script"].index("Call emergency services now") < answer["script"].index("care team")
    assert len(answer["conversation_id"]) == 32  # a new call was opened


@pytest.mark.parametrize(
    "raw,error",
    [
        (b"{not json", "valid JSON"),
        (b"\xff\xfe\x00", "valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"conversation_id": "x"}', "'text' is required"),
        (b'{"text": 42}', "'text' is required"),
        (b'{"text": "   "}', "must not be empty"),
        (json.dumps({"text": "headache " * 200}).encode(), "at most 1000 characters"),
        (b'{"text": "fever", "conversation_id": "../../etc"}', "conversation_id"),
    ],
)
def test_bad_requests_get_a_clear_400(stack, raw, error):
    reply = post(stack, None, raw=raw)
    assert reply.status_code == 400
    assert error in reply.json()["error"]


def test_an_over_long_text_that_starts_with_a_red_flag_opens_the_400_with_emergency_advice(stack):
    text = (
        "Caller says her son had a fit twenty minutes ago and is still very drowsy. "
        + "She keeps going back over the day. " * 40
    )
    reply = post(stack, {"text": text, "conversation_id": call_id()})
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert error.startswith(
        "The text mentions something that may be an emergency: tell the caller to call emergency services now (911"
    ), error
    assert "at most 1000 characters" in error


@pytest.mark.parametrize("red_flag", [False, True], ids=["no-red-flag", "red-flag-first"])
def test_a_text_just_under_the_request_limit_is_a_400_at_once(stack, red_flag):
    text = ("he had a seizure, " if red_flag else "") + "fever 38.4 and very tired " * 38_000
    assert len(json.dumps({"text": text}).encode()) < MAX_REQUEST_BYTES
    started = time.monotonic()
    reply = post(stack, {"text": text})
    took = time.monotonic() - started
    assert reply.status_code == 400, reply.text[:300]
    assert "at most 1000 characters" in reply.json()["error"]
    assert ("emergency services now" in reply.json()["error"]) == red_flag, reply.json()
    assert took < 2.0, f"a {len(text):,}-character text took {took:.1f} s to be answered"


@pytest.mark.parametrize("size", [1_000_000, 5_000_000], ids=["1MB", "5MB"])
def test_a_body_over_the_request_limit_is_a_413_with_an_error(stack, size):
    reply = post(stack, {"text": "he had a seizure " * (size // 17)})
    assert reply.status_code == 413, reply.text[:300]
    assert f"larger than {MAX_REQUEST_BYTES:,} bytes" in reply.json()["error"]
    assert post(stack, {"text": "temp 38.9"}).json()["urgency"] == "urgent", "no normal answer after the 413"


def test_other_methods_are_405_with_allow(stack):
    reply = requests.get(stack.url + PATH, timeout=30)
    assert reply.status_code == 405 and reply.headers["Allow"] == "POST"


def test_without_a_configured_token_the_endpoint_is_refused(stack_without_actions):
    reply = post(stack_without_actions, {"text": "temp 38.9"}, token="anything")
    assert reply.status_code == 503
    assert "AGENT_ASSIST_TOKEN" in reply.json()["error"]


def test_the_agents_page_is_served_with_a_strict_policy(stack):
    page = requests.get(stack.url + "/webhooks/agent_assist/", timeout=30)
    assert page.status_code == 200 and "What the caller says" in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    script = requests.get(stack.url + "/webhooks/agent_assist/agent.js", timeout=30).text
    assert "innerHTML" not in script and "textContent" in script


def test_conversation_text_is_not_in_the_logs(stack):
    marker = f"zebracrossing{uuid.uuid4().hex[:8]}"
    stack.send(f"log-{marker}", f"{marker} has a headache")
    post(stack, {"text": f"{marker} feels dizzy"})
    logs = "\n".join(server.log_path.read_text(errors="replace") for server in stack.servers)
    assert marker not in logs


def test_schemathesis_finds_no_problem_in_the_live_api(stack):
    """Property-based tests from the OpenAPI document against the running endpoint.

    TRACE is left out: Sanic's router rejects the method before any route sees it, without the
    Allow header that the check asks for; every method Sanic routes gets 405 with Allow.
    """
    assert SCHEMATHESIS.exists(), "run `make tools` first"
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            str(OPENAPI),
            "--url",
            stack.url + "/webhooks/agent_assist",
            "-H",
            f"Authorization: Bearer {E2E_AGENT_TOKEN}",
            "--checks",
            "all",
            "--exclude-checks",
            "unsupported_method",
            "--max-examples",
            "100",
            "--no-color",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = result.stdout[-4000:] + result.stderr[-2000:]
    print(report)
    assert result.returncode == 0, report


def test_the_agent_and_the_chat_add_up_the_same_call_the_same_way(stack):
    """A form answer (the treatment) and a caregiver check answered "yes" count for both."""
    # The checks taken up; naming things: yes (trouble speaking), the other three: no.
    turns = [
        "my husband seems a bit confused",
        "kymriah",
        "6 days ago",
        "yes",
        "no",
        "yes",
        "no",
        "no",
        "he also has a headache",
    ]
    sender, conversation = new_sender("agree"), call_id()
    for text in turns:
        chat = stack.send(sender, text)
        agent = post(stack, {"text": text, "conversation_id": conversation})
        assert agent.status_code == 200, agent.text
    chat_triage, agent_triage = triage_payload(chat), agent.json()

    def shape(triage):
        symptoms = sorted((s["id"], s["negated"]) for s in triage["symptoms"])
        return triage["urgency"], symptoms, triage["therapy"], triage["days_since_treatment"]

    assert shape(chat_triage) == shape(agent_triage)
    assert chat_triage["therapy"] == "tisagenlecleucel" and chat_triage["days_since_treatment"] == 6
    assert ("trouble_speaking", False) in shape(agent_triage)[1], "the check answered yes is missing"


def test_words_the_assistant_does_not_recognise_are_unclear_as_in_the_chat(stack):
    answer = post(stack, {"text": "he's gone a bit peculiar since tea", "conversation_id": call_id()}).json()
    # "unclear" unless the learned layer reads a symptom or an emergency in it; never "none".
    assert answer["urgency"] in ("unclear", "urgent", "emergency"), answer
    assert "care team" in answer["script"], answer["script"]
    if answer["urgency"] == "emergency":
        assert answer["script"].startswith("This may be an emergency. Call emergency services now"), answer["script"]
    assert "reports: none" not in answer["summary"]
