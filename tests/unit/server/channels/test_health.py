"""The health channel's checks, with fakes for Rasa's agent and a real action-server stand-in."""

import asyncio
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.utils.endpoints import EndpointConfig

from bot.server.channels import health
from bot.server.channels.health import action_server_health_url, readiness
from bot.server.stores.tracker_store import TrackerStoreUnavailable


class FakeStore:
    """A tracker store that is writable, failing, or hanging."""

    domain = None
    event_broker = None

    def __init__(self, state="ok"):
        self.state = state

    def check_writable(self):
        if self.state == "hangs":
            time.sleep(health.CHECK_TIMEOUT_SECONDS + 1)
        if self.state == "fails":
            raise TrackerStoreUnavailable(
                "The tracker store failed (health check: OperationalError: at /secret)", "OperationalError"
            )


class FakeAgent:
    def __init__(self, store=None, action_url=None, lock_store=None, ready=True):
        self.tracker_store = FailSafeTrackerStore(store if store is not None else FakeStore())
        self.action_endpoint = EndpointConfig(action_url) if action_url else None
        self.lock_store = lock_store if lock_store is not None else InMemoryLockStore()
        self._ready = ready

    def is_ready(self):
        return self._ready


@pytest.fixture(scope="module")
def action_server():
    """GET /health answers 200, as rasa_sdk's does; anything else 404."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/health" else 404)
            self.end_headers()
            self.wfile.write(b'{"status": "ok"}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhook"
    server.shutdown()


def ready(agent):
    return asyncio.run(readiness(agent))


def test_ready_when_every_check_passes(action_server):
    body = ready(FakeAgent(action_url=action_server))
    assert body["ready"] is True
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "model": True,
        "action_server": True,
        "tracker_store": True,
        "lock_store": True,
    }


def test_action_server_health_url_is_beside_its_webhook():
    assert action_server_health_url("http://localhost:5055/webhook") == "http://localhost:5055/health"
    assert action_server_health_url("http://actions:80/webhook/") == "http://actions:80/health"


def test_not_ready_without_a_model():
    body = ready(FakeAgent(ready=False))
    assert body == {"ready": False, "checks": {"model": {"ok": False, "detail": "not loaded"}}}
    assert ready(None)["ready"] is False


def test_an_unreachable_action_server_is_reported():
    body = ready(FakeAgent(action_url="http://127.0.0.1:9/webhook"))
    assert body["ready"] is False
    assert body["checks"]["action_server"]["ok"] is False
    assert body["checks"]["action_server"]["detail"].startswith("unreachable")
    assert body["checks"]["tracker_store"]["ok"] is True


def test_a_failing_tracker_store_is_reported_without_its_details(action_server):
    body = ready(FakeAgent(FakeStore("fails"), action_url=action_server))
    assert body["ready"] is False
    assert body["checks"]["tracker_store"] == {"ok": False, "detail": "cannot write (OperationalError)"}
    assert "secret" not in str(body)


def test_a_hanging_tracker_store_does_not_hang_the_endpoint(action_server):
    async def timed():
        started = time.monotonic()
        body = await readiness(FakeAgent(FakeStore("hangs"), action_url=action_server))
        return body, time.monotonic() - started

    body, seconds = asyncio.run(timed())
    assert seconds < health.CHECK_TIMEOUT_SECONDS + 0.5
    assert body["checks"]["tracker_store"]["ok"] is False and "no answer" in body["checks"]["tracker_store"]["detail"]


def test_an_in_memory_tracker_store_is_not_ready(action_server):
    body = ready(FakeAgent(InMemoryTrackerStore(None), action_url=action_server))
    assert body["checks"]["tracker_store"]["ok"] is False and "in memory" in body["checks"]["tracker_store"]["detail"]


def test_an_unreachable_redis_lock_store_is_reported(action_server):
    lock_store = RedisLockStore(host="127.0.0.1", port=9, socket_timeout=1)
    body = ready(FakeAgent(action_url=action_server, lock_store=lock_store))
    assert body["checks"]["lock_store"]["ok"] is False
    assert body["checks"]["lock_store"]["detail"].startswith("unreachable")
