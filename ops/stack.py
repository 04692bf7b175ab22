"""Start the stack the way `make run` does (the action server and Rasa), on free loopback ports.

The one place that knows how: the end-to-end tests (tests/support/stack.py) and `make bench`
(evaluation.bench) both start their servers with it, so that both run what `make run` runs and
agree on when the bot is ready. Every server gets a port of its own, so neither ever talks to, or
clashes with, a bot someone is running.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Dict, Iterable, Mapping, Optional, Sequence

import requests

from bot import REPO_ROOT

PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
# `rasa` as the project starts it (ops/rasa_cli.py: the dependencies' deprecation warnings filtered).
RASA = (str(PYTHON), "-m", "ops.rasa_cli")
MODEL = REPO_ROOT / "models" / "triage.tar.gz"
CREDENTIALS = REPO_ROOT / "credentials.yml"
ENDPOINTS = REPO_ROOT / "endpoints.yml"
WEBHOOK_PATH = "/webhooks/rest/webhook"

# The Makefile's exports, which `make run` hands to both servers (tests/unit/ops/test_stack.py
# keeps this in step with the Makefile). ACTION_SERVER_URL is set per stack, to its own port, and
# TRACKER_STORE_URL to a database of its own, so that a stack never shares conversations.
MAKEFILE_EXPORTS = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONWARNINGS": "ignore::DeprecationWarning,ignore::PendingDeprecationWarning",
    "LOCK_STORE_TYPE": "in_memory",
    "LOCK_STORE_URL": "redis://localhost:6379/1",
}
# Only the amount of logging: whoever starts the stack may still turn it up from their environment.
LOG_VERBOSITY_VARIABLES = frozenset({"TF_CPP_MIN_LOG_LEVEL", "PYTHONWARNINGS"})

# Rasa answers GET / as soon as its HTTP server is up, but loads the model afterwards.
STARTUP_TIMEOUT_S = 300.0
STOP_TIMEOUT_S = 15.0
# At most 10 probes in 10 s from the probe's sender, well under the input guard's flood limit
# (20 in 10 s), whose refusal would be a non-empty reply and so would look like "ready".
POLL_INTERVAL_S = 1.0
LOG_TAIL_LINES = 40
READINESS_SENDER = "readiness-probe"
READINESS_MESSAGE = "hello"


class StartupError(RuntimeError):
    """The stack did not come up; the message carries the tail of every server's log."""


def free_port(exclude: Iterable[int] = ()) -> int:
    """A TCP port nothing listens on right now (asked from the OS, so it is really free)."""
    excluded = set(exclude)
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in excluded:
            return port


def sqlite_url(path: Path) -> str:
    """A SQLAlchemy URL for a SQLite file, absolute so that it does not depend on the working directory."""
    return f"sqlite:///{path.resolve()}"


def server_env(
    action_server_url: str,
    agent_token: Optional[str] = None,
    environ: Optional[Mapping[str, str]] = None,
    tracker_store_url: Optional[str] = None,
    overrides: Optional[Mapping[str, str]] = None,
) -> Dict[str, str]:
    """The environment `make run` gives the servers (the Makefile's exports), on top of `environ`
    (default: this process's); agent assist is on only with a token; the conversations are kept in
    `tracker_store_url` (never in one inherited from the caller's environment); `overrides` last
    (the scaled set-up's lock store, for one)."""
    env = dict(os.environ if environ is None else environ)
    env.pop("AGENT_ASSIST_TOKEN", None)
    env.pop("TRACKER_STORE_URL", None)
    if tracker_store_url:
        env["TRACKER_STORE_URL"] = tracker_store_url
    if agent_token:
        env["AGENT_ASSIST_TOKEN"] = agent_token
    for name, value in MAKEFILE_EXPORTS.items():
        if name in LOG_VERBOSITY_VARIABLES:
            env.setdefault(name, value)
        else:
            env[name] = value
    env["ACTION_SERVER_URL"] = action_server_url
    env.update(overrides or {})
    return env


class ServerProcess:
    """One server, started in its own process group with its output in a log file."""

    def __init__(self, name: str, args: Sequence[str], log_path: Path, env: Dict[str, str]) -> None:
        self.name = name
        self.args = list(args)
        self.log_path = log_path
        self._log = open(log_path, "wb")
        # When the process was started (time.monotonic()), for the time it takes to become ready.
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            self.args,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        self._log.flush()
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as error:
            return f"(cannot read {self.log_path}: {error})"
        tail = text.splitlines()[-lines:]
        return "\n".join(tail) if tail else "(empty log)"

    def describe(self) -> str:
        state = "running" if self.running else f"exited with code {self.process.returncode}"
        return (
            f"--- {self.name} ({state}): {' '.join(self.args)}\n"
            f"--- last {LOG_TAIL_LINES} lines of {self.log_path}:\n{self.log_tail()}"
        )

    def _signal_group(self, sig: int) -> None:
        # The group is the one start_new_session created for this process (its id is our pid).
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Terminate, then kill if it has not exited after `timeout` seconds."""
        if self.running:
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait(timeout=timeout)
        else:
            # The server is gone; make sure nothing it started is left behind.
            self._signal_group(signal.SIGKILL)
        self._log.close()


def repo_relative(path: Path) -> str:
    """A path as `make run` passes it: relative to the repository when it is inside it."""
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def start_action_server(port: int, log_dir: Path) -> ServerProcess:
    args = [*RASA, "run", "actions", "--port", str(port)]
    return ServerProcess(
        "action server", args, log_dir / f"actions-{port}.log", server_env(f"http://localhost:{port}/webhook")
    )


def start_rasa(
    port: int,
    action_server_url: str,
    log_dir: Path,
    agent_token: Optional[str] = None,
    model: Path = MODEL,
    tracker_store_url: Optional[str] = None,
    overrides: Optional[Mapping[str, str]] = None,
    interface: Optional[str] = None,
    credentials: Path = CREDENTIALS,
    endpoints: Path = ENDPOINTS,
) -> ServerProcess:
    """Rasa on `port` (of `interface`, default all, as `make run`); its conversations in
    `tracker_store_url`, by default a new SQLite file in `log_dir` (pass the same URL again to
    restart it on the same conversations); `overrides` as for server_env; the project's channels
    and endpoints unless another assistant's are given (`make bench`'s floor)."""
    args = [
        *RASA,
        "run",
        "--model",
        repo_relative(model),
        "--port",
        str(port),
        "--credentials",
        repo_relative(credentials),
        "--endpoints",
        repo_relative(endpoints),
    ]
    if interface:
        args += ["--interface", interface]
    database = tracker_store_url or sqlite_url(log_dir / f"conversations-{port}.db")
    return ServerProcess(
        "rasa",
        args,
        log_dir / f"rasa-{port}.log",
        server_env(action_server_url, agent_token, tracker_store_url=database, overrides=overrides),
    )


# ------------------------------------------------------------------------------------ readiness


def http_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def rasa_answers(base_url: str) -> bool:
    """A real message gets a reply: the model is loaded, not only the HTTP server.

    The REST channel answers 200 with an empty list when handling fails (an agent without a
    model raises, and the channel swallows it), so an empty reply does not count as ready.
    """
    if not http_ok(base_url + "/"):
        return False
    try:
        response = requests.post(
            base_url + WEBHOOK_PATH,
            json={"sender": READINESS_SENDER, "message": READINESS_MESSAGE},
            timeout=30,
        )
        return response.status_code == 200 and isinstance(response.json(), list) and len(response.json()) > 0
    except (requests.RequestException, ValueError):
        return False


def wait_until_ready(
    checks: Dict[str, Callable[[], bool]], servers: Sequence[ServerProcess], timeout: float = STARTUP_TIMEOUT_S
) -> Dict[str, float]:
    """Poll every check until all pass; fail fast if a server exits, fail at `timeout`.

    Returns when each check first passed (time.monotonic()), for the time a server took to be ready.
    """
    deadline = time.monotonic() + timeout
    pending = dict(checks)
    passed_at: Dict[str, float] = {}
    while True:
        for name, check in list(pending.items()):
            if check():
                passed_at[name] = time.monotonic()
                del pending[name]
        if not pending:
            return passed_at
        dead = [s for s in servers if not s.running]
        if dead or time.monotonic() > deadline:
            reason = (
                f"{', '.join(s.name for s in dead)} exited during start-up"
                if dead
                else f"not ready after {timeout:.0f} s"
            )
            logs = "\n\n".join(s.describe() for s in servers)
            raise StartupError(f"The stack failed to start: {reason} (waiting for: {', '.join(pending)}).\n\n{logs}")
        time.sleep(POLL_INTERVAL_S)
