"""The whole stack (Rasa and the action server) for the end-to-end tests, started the way `make run`
starts it but on free ports of its own, so that the tests never talk to, or clash with, a bot
someone is running."""

from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional
from urllib.parse import urlsplit

import requests

from bot import REPO_ROOT
from ops.stack import (
    MODEL,
    PYTHON,
    WEBHOOK_PATH,
    ServerProcess,
    StartupError,
    free_port,
    http_ok,
    rasa_answers,
    sqlite_url,
    start_action_server,
    start_rasa,
    wait_until_ready,
)

STARTUP_TIMEOUT_S = float(os.environ.get("E2E_STARTUP_TIMEOUT", "300"))
REQUEST_TIMEOUT_S = 60.0


# The agent-assist token of the full e2e stack: random for each run, as a real one would be.
E2E_AGENT_TOKEN = secrets.token_hex(24)


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
        return Path(self.tracker_store_url[len("sqlite:///") :])

    def restart_rasa(self) -> None:
        """Stop Rasa and start it again (on a new port) on the same conversation database."""
        stopped = self.rasa
        stopped.stop()
        self.servers.remove(stopped)
        self.past_rasa_logs.append(stopped.log_path)
        port = free_port()
        self.url = f"http://localhost:{port}"
        self.servers.append(
            start_rasa(
                port, self.action_server_url, self.log_dir, self.agent_token, tracker_store_url=self.tracker_store_url
            )
        )
        wait_until_ready({"rasa answers again": lambda: rasa_answers(self.url)}, [self.rasa], timeout=STARTUP_TIMEOUT_S)

    def start_action_server(self) -> ServerProcess:
        """Start the action server on the port Rasa calls (for a stack started without it)."""
        port = urlsplit(self.action_server_url).port
        server = start_action_server(port, self.log_dir)
        self.servers.insert(0, server)
        wait_until_ready(
            {"action server GET /health": lambda: http_ok(f"http://localhost:{port}/health")},
            [server],
            timeout=STARTUP_TIMEOUT_S,
        )
        return server

    def send(self, sender: str, text: str) -> List[dict]:
        """POST one message to the REST channel and return the bot's messages."""
        response = requests.post(
            self.url + WEBHOOK_PATH, json={"sender": sender, "message": text}, timeout=REQUEST_TIMEOUT_S
        )
        assert response.status_code == 200, (
            f"POST {WEBHOOK_PATH} {text!r} answered {response.status_code}: {response.text[:500]}"
        )
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
    if not PYTHON.exists():
        raise StartupError(f"{PYTHON.relative_to(REPO_ROOT)} is missing: run `make venv` first.")
    actions_port = free_port()
    rasa_port = free_port(exclude={actions_port})
    action_server_url = f"http://localhost:{actions_port}/webhook"
    # The full stack has agent assist on; the "action server down" one shows it off.
    stack = RasaStack(
        url=f"http://localhost:{rasa_port}",
        action_server_url=action_server_url,
        log_dir=log_dir,
        tracker_store_url=sqlite_url(log_dir / "conversations.db"),
        agent_token=E2E_AGENT_TOKEN if with_action_server else None,
    )
    checks: Dict[str, Callable[[], bool]] = {}
    try:
        if with_action_server:
            stack.servers.append(start_action_server(actions_port, log_dir))
            checks["action server GET /health"] = lambda: http_ok(f"http://localhost:{actions_port}/health")
        stack.servers.append(
            start_rasa(
                rasa_port, action_server_url, log_dir, stack.agent_token, tracker_store_url=stack.tracker_store_url
            )
        )
        checks["rasa GET / and a reply over REST"] = lambda: rasa_answers(stack.url)
        wait_until_ready(checks, stack.servers, timeout=STARTUP_TIMEOUT_S)
    except BaseException:
        stack.stop()
        raise
    return stack


def new_sender(prefix: str = "e2e") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
