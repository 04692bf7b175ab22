"""The action server's connections are kept open between custom actions (issue 16;
docs/performance.md, "Issue 16, turn growth").

Rasa 3.6 opens a new aiohttp session, and with it a new TCP connection, for every custom action
(`EndpointConfig.request` creates a session and closes it after the call): setting them up took
about 1 ms of a call's 2.6 ms round trip to the action server on 2 cores, three calls a symptom
report. Here the agent's action endpoint gives `request` one session per event loop, kept open, so
that its connections are used again. Its settings are Rasa's (the endpoint's headers and basic
auth, Rasa's timeout). A connection idle for IDLE_SECONDS is closed by this side, before the action
server would close it (Sanic, which rasa_sdk serves with, closes an idle connection after 5 s), so
that a request is not sent on a connection the server is closing. A connection the server closed (it
stopped) is not used again, and an action server that cannot be reached fails the action as before.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional

import aiohttp
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import EndpointConfig

IDLE_SECONDS = 2.0
# The source of EndpointConfig.session in the pinned Rasa 3.6.21, whose settings `new_session`
# uses: a test fails when it changes.
RASA_SOURCE_SHA256 = "e55aa13d9d4fb4bc440ac33b870a97ee162b76dda7ccb6bf68433567475fdffb"


def new_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """Rasa's session for the endpoint, with a connector that keeps idle connections IDLE_SECONDS."""
    auth = (
        aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
        if endpoint.basic_auth
        else None
    )
    return aiohttp.ClientSession(
        headers=endpoint.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_SECONDS),
    )


class KeptSession:
    """What `async with endpoint.session()` gives Rasa's request: the kept session, left open after."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *_: Any) -> None:
        return None


class KeptSessions:
    """One endpoint's session, kept for the event loop it was made in (the server has one)."""

    def __init__(self, endpoint: EndpointConfig) -> None:
        self.endpoint = endpoint
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.current: Optional[aiohttp.ClientSession] = None

    def session(self) -> KeptSession:
        loop = asyncio.get_running_loop()
        if self.current is None or self.current.closed or self.loop is not loop:
            self.loop, self.current = loop, new_session(self.endpoint)
        return KeptSession(self.current)

    async def close(self) -> None:
        if self.current is not None and self.loop is asyncio.get_running_loop():
            await self.current.close()
        self.loop = self.current = None


def keep_connections(endpoint: Optional[EndpointConfig]) -> Optional[KeptSessions]:
    """Keep the endpoint's connections (once); the kept sessions, to close when the server stops."""
    if endpoint is None:
        return None
    kept = getattr(endpoint, "kept_sessions", None)
    if kept is None:
        kept = KeptSessions(endpoint)
        endpoint.kept_sessions = kept  # type: ignore[attr-defined]
        endpoint.session = kept.session  # type: ignore[method-assign]
    return kept
