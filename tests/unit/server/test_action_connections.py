"""Custom actions share kept connections to the action server: one connection for several calls,
a restarted action server reached again, an unreachable one failing as before, Rasa's settings."""

import asyncio
import hashlib
import inspect
import socket
from typing import List, Tuple

import aiohttp
import pytest
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig
from sanic.config import DEFAULT_CONFIG

from bot.server import action_connections, patches
from bot.server.action_connections import IDLE_SECONDS, keep_connections, new_session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ActionServer:
    """Answers every call with no events, and records the client side of each connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connections: List[Tuple[str, int]] = []
        self.runner = None

    async def start(self) -> None:
        async def webhook(request: web.Request) -> web.Response:
            peer = request.transport.get_extra_info("peername")
            if peer not in self.connections:
                self.connections.append(peer)
            return web.json_response({"events": [], "responses": []})

        app = web.Application()
        app.router.add_post("/webhook", webhook)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        await self.runner.cleanup()


@pytest.fixture
def port() -> int:
    return free_port()


def endpoint_at(port: int, **settings) -> EndpointConfig:
    return EndpointConfig(f"http://127.0.0.1:{port}/webhook", **settings)


async def calls(endpoint: EndpointConfig, count: int) -> None:
    for _ in range(count):
        assert await endpoint.request(json={"next_action": "action_triage_symptoms"}, method="post") == {
            "events": [],
            "responses": [],
        }


def test_calls_share_one_connection_where_rasa_opens_one_each(port):
    async def scenario():
        server = ActionServer(port)
        await server.start()
        await calls(endpoint_at(port), 3)
        opened_by_rasa = len(server.connections)
        endpoint = endpoint_at(port)
        kept = keep_connections(endpoint)
        await calls(endpoint, 3)
        await kept.close()
        await server.stop()
        return opened_by_rasa, len(server.connections) - opened_by_rasa

    assert asyncio.run(scenario()) == (3, 1)


def test_a_restarted_action_server_is_reached_again(port):
    async def scenario():
        endpoint = endpoint_at(port)
        kept = keep_connections(endpoint)
        server = ActionServer(port)
        await server.start()
        await calls(endpoint, 2)
        await server.stop()
        await asyncio.sleep(0.05)
        restarted = ActionServer(port)
        await restarted.start()
        await calls(endpoint, 2)
        await kept.close()
        await restarted.stop()
        return len(server.connections), len(restarted.connections)

    assert asyncio.run(scenario()) == (1, 1)


def test_an_unreachable_action_server_fails_the_call_as_before(port):
    """RemoteAction.run turns a ClientConnectionError into "Failed to run custom action"."""

    async def scenario():
        endpoint = endpoint_at(port)
        kept = keep_connections(endpoint)
        with pytest.raises(aiohttp.ClientConnectionError):
            await calls(endpoint, 1)
        await kept.close()

    asyncio.run(scenario())


def test_each_event_loop_gets_a_session_of_its_own(port):
    endpoint = endpoint_at(port)
    kept = keep_connections(endpoint)

    async def scenario():
        server = ActionServer(port)
        await server.start()
        await calls(endpoint, 2)
        session = kept.current
        await server.stop()
        return session

    first, second = asyncio.run(scenario()), asyncio.run(scenario())
    assert first is not second
    asyncio.run(kept.close())


def test_idle_connections_are_closed_before_the_action_server_closes_them():
    async def connector_keepalive():
        session = new_session(endpoint_at(1))
        keepalive = session.connector._keepalive_timeout
        await session.close()
        return keepalive

    assert asyncio.run(connector_keepalive()) == IDLE_SECONDS < DEFAULT_CONFIG["KEEP_ALIVE_TIMEOUT"]


def test_the_session_has_rasas_headers_auth_and_timeout():
    endpoint = endpoint_at(1, headers={"X-Team": "care"}, basic_auth={"username": "rasa", "password": "secret"})

    async def settings(make_session):
        async with make_session(endpoint) as session:
            return dict(session.headers), session.auth, session.timeout

    assert asyncio.run(settings(new_session)) == asyncio.run(settings(EndpointConfig.session))


def test_what_is_set_up_as_rasa_sets_it_up_is_the_pinned_rasas():
    source = inspect.getsource(EndpointConfig.session)
    assert hashlib.sha256(source.encode()).hexdigest() == action_connections.RASA_SOURCE_SHA256


def test_the_agent_patches_keep_the_action_endpoints_connections_once():
    class Agent:
        action_endpoint = endpoint_at(1)
        tracker_store = None
        processor = None

    agent = Agent()
    patches.install_agent_patches(agent)
    kept = agent.action_endpoint.kept_sessions
    assert agent.action_endpoint.session == kept.session
    assert keep_connections(agent.action_endpoint) is kept
