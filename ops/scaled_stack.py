"""The scaled set-up: several Rasa servers and an action server behind nginx, sharing PostgreSQL
(conversations) and Redis (one message at a time per conversation), all on loopback.

PostgreSQL, Redis and nginx are Debian's packages, installed and run by ops/services.sh; the
Rasa and action servers are started as `make run` starts them (ops/stack.py), with the
stores' settings on top. `make test-scale` (tests/scale) and `make run-scaled` both start it here.

    python -m ops.scaled_stack [--rasa-servers N]    serves it until Ctrl-C
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from ops.stack import (
    REPO_ROOT,
    ServerProcess,
    free_port,
    http_ok,
    rasa_answers,
    start_action_server,
    start_rasa,
    wait_until_ready,
)

SERVICES_SCRIPT = REPO_ROOT / "ops" / "services.sh"
EXPORT_LINE = re.compile(r"^export (\w+)=(.*)$")
HEALTH_READY_PATH = "/webhooks/health/ready"
# Above the slowest turn under load, so that two servers never hold one conversation at once; a
# server that dies holding a conversation's lock delays that conversation by up to this long.
TICKET_LOCK_LIFETIME_S = 30
# Rasa's default pool (50 + 100 overflow) is far more than one process uses (its calls are
# synchronous), and would let a few servers exhaust PostgreSQL's connections.
SQL_POOL_SIZE = 5
SQL_MAX_OVERFLOW = 5


def services(*args: str, env: Optional[Dict[str, str]] = None) -> str:
    """Run ops/services.sh; its output, or an error with it."""
    result = subprocess.run(
        [str(SERVICES_SCRIPT), *args],
        cwd=REPO_ROOT,
        env=env or dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"ops/services.sh {' '.join(args)} failed ({result.returncode}):\n{result.stdout}")
    return result.stdout


def store_settings() -> Dict[str, str]:
    """TRACKER_STORE_URL, LOCK_STORE_TYPE and LOCK_STORE_URL of the running services."""
    settings = {}
    for line in services("print-env").splitlines():
        match = EXPORT_LINE.match(line.strip())
        if match:
            settings[match.group(1)] = match.group(2).strip("'\"")
    return settings


@dataclass
class ScaledStack:
    """What start_scaled_stack started; `url` is nginx, the only address a client uses."""

    log_dir: Path
    nginx_port: int
    action_server_url: str
    settings: Dict[str, str]
    rasa_ports: List[int] = field(default_factory=list)
    rasa_servers: List[ServerProcess] = field(default_factory=list)
    other_servers: List[ServerProcess] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def rasa_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.rasa_ports[index]}"

    def start_rasa(self, port: int) -> ServerProcess:
        overrides = {
            **self.settings,
            "TICKET_LOCK_LIFETIME": str(TICKET_LOCK_LIFETIME_S),
            "SQL_POOL_SIZE": str(SQL_POOL_SIZE),
            "SQL_MAX_OVERFLOW": str(SQL_MAX_OVERFLOW),
        }
        # Behind nginx: reachable from this machine only.
        return start_rasa(
            port,
            self.action_server_url,
            self.log_dir,
            interface="127.0.0.1",
            tracker_store_url=self.settings["TRACKER_STORE_URL"],
            overrides=overrides,
        )

    def kill_rasa(self, index: int) -> None:
        """Stop one Rasa server as a crash would (SIGKILL): no graceful end to what it was doing."""
        server = self.rasa_servers[index]
        os.killpg(server.pid, signal.SIGKILL)
        server.process.wait(timeout=30)

    def restart_rasa(self, index: int) -> None:
        """Start a stopped Rasa server again on its port, and wait until it answers."""
        server = self.rasa_servers[index]
        server.stop()
        self.rasa_servers[index] = self.start_rasa(self.rasa_ports[index])
        wait_until_ready({f"rasa {index}": lambda: rasa_answers(self.rasa_url(index))}, self.rasa_servers)

    def rasa_log(self, index: int) -> str:
        return self.rasa_servers[index].log_path.read_text(errors="replace")

    def stop(self) -> None:
        for server in self.rasa_servers + self.other_servers:
            server.stop()
        services("stop", "all")


def start_scaled_stack(log_dir: Path, rasa_count: int = 2) -> ScaledStack:
    """PostgreSQL and Redis, then the action server and `rasa_count` Rasa servers, then nginx; returns
    when each Rasa server answers a message and nginx passes one on."""
    services("start", "postgres")
    services("start", "redis")
    settings = store_settings()
    create_conversation_tables(settings["TRACKER_STORE_URL"])
    actions_port = free_port()
    ports = []
    while len(ports) < rasa_count:
        ports.append(free_port(exclude=[actions_port, *ports]))
    nginx_port = int(os.environ.get("NGINX_PORT", "28080"))
    stack = ScaledStack(log_dir, nginx_port, f"http://127.0.0.1:{actions_port}/webhook", settings, ports)
    try:
        stack.other_servers.append(start_action_server(actions_port, log_dir))
        for port in ports:
            stack.rasa_servers.append(stack.start_rasa(port))
        upstreams = " ".join(f"127.0.0.1:{port}" for port in ports)
        services("start", "nginx", env={**os.environ, "RASA_UPSTREAMS": upstreams, "NGINX_PORT": str(nginx_port)})
        checks = {f"rasa {i}": (lambda i=i: rasa_answers(stack.rasa_url(i))) for i in range(rasa_count)}
        checks["action server"] = lambda: http_ok(f"http://127.0.0.1:{actions_port}/health")
        wait_until_ready(checks, stack.rasa_servers + stack.other_servers)
        wait_until_ready({"nginx": lambda: http_ok(stack.url + HEALTH_READY_PATH)}, stack.rasa_servers, timeout=30)
    except BaseException:
        stack.stop()
        raise
    return stack


def create_conversation_tables(url: str) -> None:
    """Create the events table once, before several servers start and race to create it."""
    from rasa.shared.core.domain import Domain

    from bot.server.stores.tracker_store import StrictSQLTrackerStore

    store = StrictSQLTrackerStore(Domain.empty(), host=url)
    store.check_writable()  # raises TrackerStoreUnavailable when the tables could not be created
    store.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rasa-servers", type=int, default=2)
    arguments = parser.parse_args()
    log_dir = REPO_ROOT / "state" / "scaled-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    print(
        "Starting PostgreSQL, Redis, the action server, "
        f"{arguments.rasa_servers} Rasa servers and nginx (ready in about 2 minutes)...",
        flush=True,
    )
    stack = start_scaled_stack(log_dir, arguments.rasa_servers)
    print(
        f"Ready. Clients use nginx only: {stack.url}/webhooks/rest/webhook, chat page {stack.url}"
        f"/webhooks/webchat/chat, readiness {stack.url}{HEALTH_READY_PATH}. Logs: {log_dir}. Ctrl-C stops it.",
        flush=True,
    )
    try:
        while all(server.running for server in stack.rasa_servers + stack.other_servers):
            time.sleep(1)
        print("A server exited: stopping everything (see the logs).", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
