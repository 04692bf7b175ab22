"""Starting the stack: the environment `make run` gives it, free ports, processes, and when it is ready."""

import json
import re
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ops import stack
from ops.stack import (
    MAKEFILE_EXPORTS,
    REPO_ROOT,
    ServerProcess,
    StartupError,
    free_port,
    rasa_answers,
    repo_relative,
    server_env,
    wait_until_ready,
)

MAKEFILE_EXPORT = re.compile(r"^export (\w+) [:?]?= ?(.*)$", re.MULTILINE)


def test_the_servers_get_exactly_the_makefiles_exports():
    exported = dict(MAKEFILE_EXPORT.findall((REPO_ROOT / "Makefile").read_text()))
    url = "http://localhost:1234/webhook"
    database = "sqlite:////tmp/stack.db"
    assert exported.pop("ACTION_SERVER_URL") == "http://localhost:5055/webhook"
    assert exported.pop("TRACKER_STORE_URL") == "sqlite:///state/conversations.db"
    assert MAKEFILE_EXPORTS == exported
    assert server_env(url, environ={}, tracker_store_url=database) == {
        **exported,
        "ACTION_SERVER_URL": url,
        "TRACKER_STORE_URL": database,
    }


def test_run_sh_has_the_makefiles_defaults():
    """`ops/run.sh` run by hand must keep conversations where `make run` keeps them."""
    exported = dict(MAKEFILE_EXPORT.findall((REPO_ROOT / "Makefile").read_text()))
    script = (REPO_ROOT / "ops" / "run.sh").read_text()
    for name in ("TRACKER_STORE_URL", "LOCK_STORE_TYPE", "LOCK_STORE_URL"):
        assert f'export {name}="${{{name}:-{exported[name]}}}"' in script


def test_a_stack_never_uses_the_callers_conversation_database():
    inherited = {"TRACKER_STORE_URL": "sqlite:///state/conversations.db"}
    assert "TRACKER_STORE_URL" not in server_env("http://x/webhook", environ=inherited)
    own = server_env("http://x/webhook", environ=inherited, tracker_store_url="sqlite:////tmp/own.db")
    assert own["TRACKER_STORE_URL"] == "sqlite:////tmp/own.db"


def test_rasa_gets_a_database_of_its_own_in_its_log_folder_unless_told(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(stack, "ServerProcess", lambda name, args, log_path, env: started.append(env))
    stack.start_rasa(1234, "http://x/webhook", tmp_path)
    stack.start_rasa(1235, "http://x/webhook", tmp_path, tracker_store_url="sqlite:////elsewhere.db")
    assert started[0]["TRACKER_STORE_URL"] == f"sqlite:///{tmp_path.resolve()}/conversations-1234.db"
    assert started[1]["TRACKER_STORE_URL"] == "sqlite:////elsewhere.db"


def test_rasa_serves_the_projects_channels_and_endpoints_unless_given_another_assistants(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(stack, "ServerProcess", lambda name, args, log_path, env: started.append(args))
    stack.start_rasa(1234, "http://x/webhook", tmp_path)
    floor = REPO_ROOT / "models" / "floor"
    stack.start_rasa(
        1235, "http://x/webhook", tmp_path, credentials=floor / "credentials.yml", endpoints=floor / "endpoints.yml"
    )

    def files(args):
        return args[args.index("--credentials") + 1], args[args.index("--endpoints") + 1]

    assert files(started[0]) == ("credentials.yml", "endpoints.yml")
    assert files(started[1]) == ("models/floor/credentials.yml", "models/floor/endpoints.yml")


def test_settings_are_forced_but_log_verbosity_can_be_raised():
    env = server_env(
        "http://x/webhook",
        environ={
            "RASA_TELEMETRY_ENABLED": "true",
            "TF_CPP_MIN_LOG_LEVEL": "0",
            "ACTION_SERVER_URL": "http://elsewhere",
            "HOME": "/home/me",
        },
    )
    assert env["RASA_TELEMETRY_ENABLED"] == "false"
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "0"
    assert env["ACTION_SERVER_URL"] == "http://x/webhook"
    assert env["HOME"] == "/home/me"


def test_agent_assist_is_on_only_with_a_token_of_the_callers_choice():
    inherited = {"AGENT_ASSIST_TOKEN": "from-the-shell"}
    assert "AGENT_ASSIST_TOKEN" not in server_env("http://x/webhook", environ=inherited)
    assert server_env("http://x/webhook", "chosen", environ=inherited)["AGENT_ASSIST_TOKEN"] == "chosen"


def test_a_free_port_can_be_bound_and_avoids_the_excluded_ones():
    first = free_port()
    second = free_port(exclude={first})
    assert second != first
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", second))


def test_paths_are_passed_relative_to_the_repository_when_inside_it(tmp_path):
    assert repo_relative(REPO_ROOT / "models" / "triage.tar.gz") == "models/triage.tar.gz"
    assert repo_relative(tmp_path / "x.tar.gz") == str(tmp_path / "x.tar.gz")


def test_a_server_process_logs_its_output_and_stops(tmp_path):
    code = "import time; print('listening', flush=True); time.sleep(60)"
    server = ServerProcess("sleeper", [sys.executable, "-c", code], tmp_path / "sleeper.log", env={})
    try:
        assert server.running and server.pid > 0
        wait_until_ready({"printed": lambda: "listening" in server.log_tail()}, [server], timeout=10)
    finally:
        server.stop(timeout=5)
    assert not server.running
    assert "listening" in server.log_path.read_text()


class FakeServer:
    """A server that is running, or that has exited (for wait_until_ready)."""

    def __init__(self, running=True):
        self.name = "fake"
        self.running = running

    def describe(self):
        return f"--- {self.name}: the log"


def test_wait_until_ready_returns_when_each_check_first_passed(monkeypatch):
    monkeypatch.setattr(stack, "POLL_INTERVAL_S", 0.01)
    calls = {"slow": 0}

    def slow():
        calls["slow"] += 1
        return calls["slow"] >= 3

    passed_at = wait_until_ready({"fast": lambda: True, "slow": slow}, [FakeServer()], timeout=5)
    assert set(passed_at) == {"fast", "slow"}
    assert passed_at["fast"] < passed_at["slow"]
    assert calls["slow"] == 3


def test_wait_until_ready_fails_fast_when_a_server_exits(monkeypatch):
    monkeypatch.setattr(stack, "POLL_INTERVAL_S", 0.01)
    with pytest.raises(StartupError, match=r"(?s)fake exited during start-up \(waiting for: never\).*the log"):
        wait_until_ready({"never": lambda: False}, [FakeServer(running=False)], timeout=60)


def test_wait_until_ready_gives_up_at_the_timeout(monkeypatch):
    monkeypatch.setattr(stack, "POLL_INTERVAL_S", 0.01)
    with pytest.raises(StartupError, match="not ready after 0 s"):
        wait_until_ready({"never": lambda: False}, [FakeServer()], timeout=0.05)


def _serve(reply_body):
    """A local HTTP server that answers GET / with 200 and every POST with `reply_body`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self._answer(b"ok")

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self._answer(json.dumps(reply_body).encode())

        def _answer(self, body):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize("reply, ready", [([{"recipient_id": "p", "text": "Hi!"}], True), ([], False)])
def test_rasa_is_ready_only_when_a_message_gets_a_reply(reply, ready):
    server = _serve(reply)
    try:
        assert rasa_answers(f"http://127.0.0.1:{server.server_address[1]}") is ready
    finally:
        server.shutdown()
        server.server_close()


def test_rasa_is_not_ready_while_nothing_listens():
    assert rasa_answers(f"http://127.0.0.1:{free_port()}") is False


def test_overrides_come_last_so_the_scaled_set_up_can_choose_its_lock_store():
    env = server_env(
        "http://x/webhook",
        environ={},
        overrides={
            "LOCK_STORE_TYPE": "bot.server.stores.lock_store.AtomicRedisLockStore",
            "LOCK_STORE_URL": "redis://127.0.0.1:26379/1",
        },
    )
    assert env["LOCK_STORE_TYPE"] == "bot.server.stores.lock_store.AtomicRedisLockStore"
    assert env["LOCK_STORE_URL"] == "redis://127.0.0.1:26379/1"
