"""Liveness and readiness endpoints, as a Rasa input channel (Rasa's HTTP API stays off).

GET /webhooks/health/live   200 while Rasa serves HTTP (it listens only once the model is loaded).
GET /webhooks/health/ready  200 when the model is loaded, the action server answers, the tracker
                            store takes a write and the lock store answers; 503 otherwise.
Both answer JSON: {"ready": bool, "checks": {name: {"ok": bool, "detail": str}}}. The details
are short and public (the endpoints share the webhooks' port): an error's class, never a URL,
a password or message text; the full error is in the log. Every check has a deadline, so the
answer comes within about CHECK_TIMEOUT_SECONDS even when a database hangs.

Like every channel of the project, it installs the agent patches when served (bot/server/patches.py).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Dict, Text, Tuple

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.server import patches
from bot.server.stores.lock_store import AtomicRedisLockStore, LockStoreUnavailable
from bot.server.stores.tracker_store import TrackerStoreUnavailable, inner_tracker_store

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0
Check = Tuple[bool, str]


def action_server_health_url(webhook_url: str) -> str:
    """rasa_sdk serves GET /health beside its /webhook."""
    base = webhook_url.rstrip("/")
    if base.endswith("/webhook"):
        base = base[: -len("/webhook")]
    return base + "/health"


async def check_action_server(agent: Any) -> Check:
    endpoint = getattr(agent, "action_endpoint", None)
    if endpoint is None or not endpoint.url:
        return False, "no action server configured"
    try:
        timeout = aiohttp.ClientTimeout(total=CHECK_TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(action_server_health_url(endpoint.url)) as answer:
                return answer.status == 200, f"HTTP {answer.status}"
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        return False, f"unreachable ({type(error).__name__})"


# Threads of their own: a hung database holds these two, never the ones Rasa uses.
CHECK_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="health-check")


async def in_thread(check: Callable[[], Check]) -> Check:
    """A blocking driver call off the event loop, with a deadline."""
    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(loop.run_in_executor(CHECK_THREADS, check), CHECK_TIMEOUT_SECONDS)
    except asyncio.TimeoutError:
        return False, f"no answer within {CHECK_TIMEOUT_SECONDS:g} s"


async def check_tracker_store(agent: Any) -> Check:
    store = inner_tracker_store(agent)
    if store is None or isinstance(store, InMemoryTrackerStore):
        return False, "in memory: conversations would be lost (see the start-up log)"
    if not hasattr(store, "check_writable"):
        return False, f"{type(store).__name__} cannot be checked"

    def writable() -> Check:
        try:
            store.check_writable()
        except TrackerStoreUnavailable as error:
            return False, f"cannot write ({error.error_type})"
        return True, "writable"

    return await in_thread(writable)


async def check_lock_store(agent: Any) -> Check:
    store = getattr(agent, "lock_store", None)
    if isinstance(store, InMemoryLockStore):
        return True, "in memory (one Rasa server)"
    if isinstance(store, AtomicRedisLockStore):

        def answers() -> Check:
            try:
                store.ping()  # logs once per outage
            except LockStoreUnavailable as error:
                return False, f"unreachable ({error.error_type})"
            return True, "answers"

        return await in_thread(answers)
    if isinstance(store, RedisLockStore):

        def ping() -> Check:
            try:
                store.red.ping()
            except Exception as error:  # redis-py's errors, whatever the cause
                logger.warning("The lock store does not answer: %s", type(error).__name__)
                return False, f"unreachable ({type(error).__name__})"
            return True, "answers"

        return await in_thread(ping)
    return False, f"{type(store).__name__} cannot be checked"


async def readiness(agent: Any) -> Dict[str, Any]:
    """Every check, run at once."""
    checks: Dict[str, Dict[str, Any]] = {}
    model_loaded = agent is not None and agent.is_ready()
    checks["model"] = {"ok": model_loaded, "detail": "loaded" if model_loaded else "not loaded"}
    if model_loaded:
        names = ("action_server", "tracker_store", "lock_store")
        results = await asyncio.gather(check_action_server(agent), check_tracker_store(agent), check_lock_store(agent))
        checks.update({name: {"ok": ok, "detail": detail} for name, (ok, detail) in zip(names, results)})
    return {"ready": all(check["ok"] for check in checks.values()), "checks": checks}


class HealthInput(InputChannel):
    """/webhooks/health/live and /webhooks/health/ready."""

    @classmethod
    def name(cls) -> Text:
        return "health"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        health = Blueprint("health_checks", __name__)

        patches.install_when_served(health)

        @health.route("/live", methods=["GET"])
        async def live(request: Request) -> HTTPResponse:
            return response.json({"live": True})

        @health.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            body = await readiness(getattr(request.app.ctx, "agent", None))
            return response.json(body, status=200 if body["ready"] else 503)

        return health
