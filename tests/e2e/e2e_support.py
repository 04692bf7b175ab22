"""Start and talk to the whole stack (Rasa + action server) for the end-to-end tests.

Plain helpers, imported by conftest.py and the test modules (pytest puts this folder on sys.path).
The servers are started the way `make run` starts them, but on free ports of their own, so that
the tests never talk to, or clash with, a bot someone is running.
"""

from __future__ import annotations

import os
import queue
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional
from urllib.parse import urlsplit

import requests
import yaml

from evaluation.stack import (
    MODEL, RASA, REPO_ROOT, WEBHOOK_PATH, ServerProcess, StartupError, free_port, http_ok, rasa_answers,
    sqlite_url, start_action_server, start_rasa, wait_until_ready,
)

DOMAIN = REPO_ROOT / "domain.yml"

STARTUP_TIMEOUT_S = float(os.environ.get("E2E_STARTUP_TIMEOUT", "300"))
REQUEST_TIMEOUT_S = 60.0

URGENCY_ORDER = ("none", "routine", "urgent", "emergency")
UNCLEAR = "unclear"
ADVICE_RESPONSE = "utter_symptom_advice"

# The agent-assist token of the full e2e stack: random for each run, as a real one would be.
E2E_AGENT_TOKEN = secrets.token_hex(24)


# ------------------------------------------------------------------------------------ the stack

@dataclass
class RasaStack:
    """A running Rasa (and, unless it is meant to be down, its action server)."""

    url: str
    action_server_url: str
    log_dir: Path
    tracker_store_url: str
    agent_token: Optional[str] = None
    servers: List[ServerProcess] = field(default_factory=list)
    # The logs of Rasa processes stopped by restart_rasa (no longer in `servers`: never signalled again).
    past_rasa_logs: List[Path] = field(default_factory=list)

    @property
    def rasa(self) -> ServerProcess:
        return next(s for s in self.servers if s.name == "rasa")

    @property
    def database(self) -> Path:
        """The SQLite file that holds this stack's conversations."""
        return Path(self.tracker_store_url[len("sqlite:///"):])

    def restart_rasa(self) -> None:
        """Stop Rasa and start it again (on a new port) on the same conversation database."""
        stopped = self.rasa
        stopped.stop()
        self.servers.remove(stopped)
        self.past_rasa_logs.append(stopped.log_path)
        port = free_port()
        self.url = f"http://localhost:{port}"
        self.servers.append(start_rasa(port, self.action_server_url, self.log_dir, self.agent_token,
                                       tracker_store_url=self.tracker_store_url))
        wait_until_ready({"rasa answers again": lambda: rasa_answers(self.url)}, [self.rasa],
                         timeout=STARTUP_TIMEOUT_S)

    def start_action_server(self) -> ServerProcess:
        """Start the action server on the port Rasa calls (for a stack started without it)."""
        port = urlsplit(self.action_server_url).port
        server = start_action_server(port, self.log_dir)
        self.servers.insert(0, server)
        wait_until_ready({"action server GET /health": lambda: http_ok(f"http://localhost:{port}/health")},
                         [server], timeout=STARTUP_TIMEOUT_S)
        return server

    def send(self, sender: str, text: str) -> List[dict]:
        """POST one message to the REST channel and return the bot's messages."""
        response = requests.post(self.url + WEBHOOK_PATH, json={"sender": sender, "message": text},
                                 timeout=REQUEST_TIMEOUT_S)
        assert response.status_code == 200, (
            f"POST {WEBHOOK_PATH} {text!r} answered {response.status_code}: {response.text[:500]}")
        messages = response.json()
        assert isinstance(messages, list), f"unexpected REST answer for {text!r}: {messages!r}"
        return messages

    def logs(self) -> str:
        return "\n\n".join(s.describe() for s in self.servers)

    def rasa_log(self) -> str:
        """Everything every Rasa process of this stack has logged so far."""
        paths = self.past_rasa_logs + [s.log_path for s in self.servers if s.name == "rasa"]
        return "\n".join(path.read_text(errors="replace") for path in paths)

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop()


def start_stack(log_dir: Path, with_action_server: bool = True) -> RasaStack:
    """Start the stack as `make run` would, on free ports; without the action server, Rasa is
    pointed at a port where nothing listens ("action server down")."""
    if not MODEL.exists():
        raise StartupError(f"{MODEL.relative_to(REPO_ROOT)} is missing: run `make train` first.")
    if not RASA.exists():
        raise StartupError(f"{RASA.relative_to(REPO_ROOT)} is missing: run `make venv` first.")
    actions_port = free_port()
    rasa_port = free_port(exclude={actions_port})
    action_server_url = f"http://localhost:{actions_port}/webhook"
    # The full stack has agent assist on; the "action server down" one shows it off.
    stack = RasaStack(url=f"http://localhost:{rasa_port}", action_server_url=action_server_url, log_dir=log_dir,
                      tracker_store_url=sqlite_url(log_dir / "conversations.db"),
                      agent_token=E2E_AGENT_TOKEN if with_action_server else None)
    checks: Dict[str, Callable[[], bool]] = {}
    try:
        if with_action_server:
            stack.servers.append(start_action_server(actions_port, log_dir))
            checks["action server GET /health"] = lambda: http_ok(f"http://localhost:{actions_port}/health")
        stack.servers.append(start_rasa(rasa_port, action_server_url, log_dir, stack.agent_token,
                                        tracker_store_url=stack.tracker_store_url))
        checks["rasa GET / and a reply over REST"] = lambda: rasa_answers(stack.url)
        wait_until_ready(checks, stack.servers, timeout=STARTUP_TIMEOUT_S)
    except BaseException:
        stack.stop()
        raise
    return stack


def new_sender(prefix: str = "e2e") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# ------------------------------------------------------------------------------------ replies

def texts(messages: Iterable[dict]) -> List[str]:
    return [m["text"] for m in messages if m.get("text")]


def names_care_team(text: str) -> bool:
    return "care team" in text.lower()


def triage_payload(messages: Iterable[dict]) -> Optional[dict]:
    """The structured triage sent by action_triage_symptoms: {"custom": {"triage": {...}}}."""
    for message in messages:
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("triage"), dict):
            return custom["triage"]
    return None


def present_ids(payload: Optional[dict]) -> List[str]:
    return [s["id"] for s in (payload or {}).get("symptoms", []) if not s.get("negated")]


def negated_ids(payload: Optional[dict]) -> List[str]:
    return [s["id"] for s in (payload or {}).get("symptoms", []) if s.get("negated")]


def symptom(payload: Optional[dict], symptom_id: str) -> Optional[dict]:
    return next((s for s in (payload or {}).get("symptoms", []) if s["id"] == symptom_id), None)


CELSIUS_IN_VALUE = re.compile(r"(\d+(?:\.\d+)?)\s*C\b")


def celsius_from_value(value: Optional[str]) -> Optional[float]:
    """The Celsius reading in a fever's value: "39.5 C" or "102 F (38.9 C)"."""
    if not value:
        return None
    found = CELSIUS_IN_VALUE.findall(value)
    return float(found[-1]) if found else None


def _load_domain() -> dict:
    with open(DOMAIN, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def response_texts(name: str) -> List[str]:
    """Every variation of a domain response, as the bot sends it."""
    return [v["text"].strip() for v in _load_domain()["responses"][name]]


# A reply to a symptom report ends with a question: the treatment questions, or the follow-up
# question (related symptoms, "anything else?", or the caregiver checks).
QUESTION_RESPONSES = ("utter_ask_therapy", "utter_ask_treatment_timing", "utter_ask_anything_else",
                      "utter_offer_caregiver_checks")
RELATED_QUESTION_START = "Have you also noticed"


def question_asked(text: str) -> Optional[str]:
    """Which question `text` is (a response name, or "related_symptoms"), if it is one."""
    words = " ".join(text.split())
    if words.startswith(RELATED_QUESTION_START):
        return "related_symptoms"
    for name in QUESTION_RESPONSES:
        if any(words == " ".join(variation.split()) for variation in response_texts(name)):
            return name
    return None


def asks_a_question(messages: Iterable[dict]) -> bool:
    """A symptom report's reply is complete: it ends with one of the questions."""
    return any(question_asked(t) for t in texts(messages))


def responses_sent(messages: Iterable[dict]) -> List[str]:
    """Which domain responses the bot sent (by name), in order; other texts as "text: ...".

    Texts from actions are shown by their first words, so that a report says what was answered.
    """
    by_text = {}
    for name, variations in _load_domain()["responses"].items():
        for variation in variations:
            if variation.get("text"):
                by_text.setdefault(variation["text"].strip(), name)
    return [by_text.get(t.strip(), f"text: {t.strip()[:80]!r}") for t in texts(messages)]


def advice_by_text() -> Dict[str, str]:
    """utter_symptom_advice's variations: text -> urgency (the unconditional one is `unclear`)."""
    advice = {}
    for variation in _load_domain()["responses"][ADVICE_RESPONSE]:
        conditions = variation.get("condition") or []
        urgency = next((c["value"] for c in conditions if c.get("name") == "urgency"), UNCLEAR)
        advice[variation["text"].strip()] = urgency
    return advice


def advice_urgency(messages: Iterable[dict], advice: Optional[Dict[str, str]] = None) -> Optional[str]:
    """The urgency of the utter_symptom_advice variation the bot sent, or None if it sent none."""
    advice = advice if advice is not None else advice_by_text()
    for text in texts(messages):
        if text.strip() in advice:
            return advice[text.strip()]
    return None


def urgency_rank(urgency: str) -> int:
    """none < routine < urgent < emergency; `unclear` counts as urgent (unsure means escalate)."""
    return URGENCY_ORDER.index("urgent" if urgency == UNCLEAR else urgency)


def unsafe_phrases(messages: Iterable[dict]) -> List[str]:
    """What bot.safety.find_unsafe_phrases finds in each bot text, as 'text -> phrases'."""
    from bot.safety import find_unsafe_phrases

    found = []
    for text in texts(messages):
        phrases = find_unsafe_phrases(text)
        if phrases:
            found.append(f"{text!r} -> {phrases}")
    return found


class Conversation:
    """One sender's conversation; every turn must get a reply, and every reply must be safe."""

    def __init__(self, send: Callable[[str, str], List[dict]], prefix: str = "e2e") -> None:
        self._send = send
        self.sender = new_sender(prefix)

    def say(self, text: str) -> List[dict]:
        messages = self._send(self.sender, text)
        assert messages, f"no reply to {text!r} (an empty REST answer means handling failed; see the Rasa log)"
        unsafe = unsafe_phrases(messages)
        assert not unsafe, f"unsafe phrases in the reply to {text!r}: {unsafe}"
        return messages


# ------------------------------------------------------------------------------------ raw REST

def post_raw(base_url: str, body: bytes, content_type: str = "application/json") -> requests.Response:
    """POST bytes as they are to the REST channel (for malformed bodies)."""
    return requests.post(base_url + WEBHOOK_PATH, data=body, headers={"Content-Type": content_type},
                         timeout=REQUEST_TIMEOUT_S)


def post_json(base_url: str, body: object) -> requests.Response:
    """POST any JSON value to the REST channel, whatever its shape."""
    return requests.post(base_url + WEBHOOK_PATH, json=body, timeout=REQUEST_TIMEOUT_S)


# ------------------------------------------------------------------------------------ socket.io

SOCKET_PATH = "socket.io"
SOCKET_CONNECT_TIMEOUT_S = 20.0
# Replies come one event per message and nothing marks the last one: a reply is complete when
# nothing more has come for this long (the action server is called between two messages).
SOCKET_QUIET_S = 2.5
TEL_LINK = re.compile(r"\[([^\]]+)\]\(tel:[^)]*\)")


def plain(text: str) -> str:
    """A widget text without the markdown tel: links the widget channel adds: "[911](tel:911)" -> "911"."""
    return TEL_LINK.sub(r"\1", text)


class SocketChat:
    """One conversation over socket.io, held as rasa-webchat holds it: `session_request` with a
    session id, then `user_uttered` events carrying it; every `bot_uttered` event is collected."""

    def __init__(self, base_url: str, session_id: Optional[str] = None) -> None:
        import socketio  # python-socketio, installed with Rasa

        self.session_id = session_id or uuid.uuid4().hex
        self._received: "queue.Queue[object]" = queue.Queue()
        self._confirmed: "queue.Queue[object]" = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", self._received.put)
        self.client.on("session_confirm", self._confirmed.put)
        self.client.connect(base_url, socketio_path=SOCKET_PATH, wait_timeout=SOCKET_CONNECT_TIMEOUT_S)
        self.client.emit("session_request", {"session_id": self.session_id})
        try:
            confirmed = self._confirmed.get(timeout=SOCKET_CONNECT_TIMEOUT_S)
        except queue.Empty:
            self.close()
            raise AssertionError(f"no session_confirm for session {self.session_id}") from None
        assert confirmed == self.session_id, f"session_confirm for {confirmed!r}, asked for {self.session_id!r}"

    def emit(self, data: object) -> None:
        """Send any `user_uttered` payload, well-formed or not."""
        self.client.emit("user_uttered", data)

    def send(self, message: object) -> None:
        self.emit({"message": message, "session_id": self.session_id})

    def collect(self, until: Optional[Callable[[List[dict]], bool]] = None, quiet: float = SOCKET_QUIET_S,
                timeout: float = REQUEST_TIMEOUT_S) -> List[dict]:
        """The `bot_uttered` events that arrive until `until(messages)` holds (or, without it, until
        at least one has come), and then nothing more for `quiet` seconds."""
        messages: List[dict] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = until(messages) if until else bool(messages)
            wait = quiet if done else min(quiet, max(0.0, deadline - time.monotonic()))
            try:
                event = self._received.get(timeout=wait)
            except queue.Empty:
                if done:
                    return messages
                continue
            messages.append(event if isinstance(event, dict) else {"unexpected_event": event})
        return messages

    def say(self, message: object, until: Optional[Callable[[List[dict]], bool]] = None,
            timeout: float = REQUEST_TIMEOUT_S) -> List[dict]:
        self.send(message)
        return self.collect(until=until, timeout=timeout)

    def close(self) -> None:
        try:
            self.client.disconnect()
        except Exception:  # already gone
            pass


def socket_texts(messages: Iterable[dict]) -> List[str]:
    """The texts of socket.io replies, with the widget's tel: links made plain again."""
    return [plain(t) for t in texts(messages)]


def plain_messages(messages: Iterable[dict]) -> List[dict]:
    """Socket.io replies with plain texts, so that the REST helpers (advice_urgency...) apply."""
    return [dict(m, text=plain(m["text"])) if isinstance(m.get("text"), str) else m for m in messages]


# ------------------------------------------------------------------------------------ browser

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("E2E_CHROMEDRIVER", "/usr/bin/chromedriver"))
SCREENSHOTS = REPO_ROOT / "reports" / "screenshots"
WIDGET_PAGE_PATH = "/webhooks/webchat/chat"
BROWSER_WINDOW = (1000, 1100)


def start_chromium(profile_dir: Path):
    """Debian's headless Chromium through Debian's chromedriver (`make browser` installs both).

    The driver's path is given explicitly, so Selenium Manager never runs (it would try to
    download a driver or a browser); the profile is a fresh folder of the test's own.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        raise StartupError(f"{', '.join(missing)} not found: run `make browser` (Debian's chromium and chromium-driver).")
    profile_dir.mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", f"--window-size={BROWSER_WINDOW[0]},{BROWSER_WINDOW[1]}",
                     f"--user-data-dir={profile_dir}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(profile_dir.parent / "chromedriver.log"))
    return webdriver.Chrome(service=service, options=options)
