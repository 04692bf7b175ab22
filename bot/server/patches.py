"""Every change this project makes to how Rasa 3.6 runs, installed here and nowhere else.

Rasa offers no hook for these, so each replaces or wraps one of its internals. Each is idempotent
and has a test that fails if the pinned Rasa changes under it.

In the process, when Rasa imports the channels of credentials.yml (after it has configured its
logging, before any message): `install_process_patches`
- the action server's answers are validated with a validator built once, not on every call, each
  event first against its own type's part of the schema (bot/server/action_response_validation.py;
  tests/unit/server/test_action_response_validation.py);
- a custom action is sent the events the project's actions read (from the kept conversation state's
  last turn), not every event of the conversation (bot/server/action_request.py;
  tests/unit/server/test_action_request.py);
- conversation text is redacted from Rasa's structured log events above DEBUG
  (bot/server/log_redaction.py; tests/unit/server/test_log_redaction.py);
- an event read from JSON gets its class from those found before for its type name, not by listing
  every subclass of Event each time (bot/server/event_types.py; tests/unit/server/test_event_types.py);
- a tracker is copied (before each action) without replaying the whole conversation
  (bot/server/stores/tracker_cache.py; tests/unit/server/stores/test_tracker_cache.py);
- RulePolicy writes the conversation's states as text for its debug log line only when DEBUG is
  logged (bot/server/rule_policy_log.py; tests/unit/server/test_rule_policy_log.py);
- the policies' states of a conversation are extended by its new events, not rebuilt by replaying
  the whole conversation at every prediction, and so are its applied events, which the processor
  and the policies ask for several times a turn (bot/server/policy_states.py;
  tests/unit/server/test_policy_states.py).

Before anything else is imported, by ops/rasa_cli.py (how the project starts `rasa`):
`bot.server.quiet_warnings.quiet_dependency_warnings` (a module of its own: importing this one
would import TensorFlow and jax, which warn as they load)
- the dependencies' deprecation warnings (pkg_resources, click, pyparsing, jax, distutils) are
  not printed around the addresses and readiness people need. PYTHONWARNINGS is not enough:
  importing rasa_sdk or sanic turns them back on ("once") for the whole process, and Rasa's own
  set-up lets those that are also UserWarnings through, so both are imported first and the filter
  goes back on after Rasa's set-up (tests/unit/server/test_patches.py).

On the Sanic app, before it serves (a before_server_start listener that every channel of the
project registers, see `install_when_served`): `limit_request_size`
- a request body may be at most MAX_REQUEST_BYTES (1 MB), not Sanic's 100 MB: a message is at most
  1000 characters (bot/server/channels/guard.py), which JSON writes in well under 1 MB however it is
  escaped, and a larger body is only memory spent on text nobody reads. A larger body gets a 413
  before it is read (JSON, `error`, on the REST and agent-assist routes); socket.io has the same
  limit (engine.io's max_http_buffer_size, bot/server/channels/webchat.py), and closes the
  connection of a larger message. Whatever the server accepts gets an answer (the input guard)
  (tests/unit/server/test_patches.py; tests/e2e/test_bad_input.py, test_agent_assist.py).

On the agent, once Rasa has loaded it (an after_server_start listener that every channel of the
project registers, see `install_when_served`): `install_agent_patches`
- no silent fallback to an in-memory tracker store: a failed read or write raises, and a store
  already replaced by memory at start-up is said at ERROR
  (bot/server/stores/tracker_store.py; tests/unit/server/stores/test_tracker_store.py);
- a REST message sent again with its message_id is answered with its first replies, not handled
  twice (bot/server/channels/redelivery.py; tests/unit/server/channels/test_redelivery.py);
- the connections to the action server are kept open between custom actions, and closed when the
  server stops (bot/server/action_connections.py; tests/unit/server/test_action_connections.py).
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from rasa.core.tracker_store import InMemoryTrackerStore
from sanic import Blueprint

from bot.server import (
    action_request,
    action_response_validation,
    event_types,
    log_redaction,
    policy_states,
    rule_policy_log,
)
from bot.server.action_connections import keep_connections
from bot.server.stores.tracker_cache import install_copy_without_replay
from bot.server.stores.tracker_store import inner_tracker_store, make_tracker_store_failures_loud

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1_000_000
REQUEST_TOO_LARGE = (
    f"The request is larger than {MAX_REQUEST_BYTES:,} bytes, the most this server reads: send a shorter message."
)

_patched_agents: set = set()


def install_process_patches() -> None:
    action_response_validation.install()
    action_request.install()
    event_types.install()
    log_redaction.install()
    install_copy_without_replay()
    policy_states.install()
    rule_policy_log.install()


def install_loud_tracker_store(agent: Any) -> None:
    """No silent fallback to memory: off for run-time errors, and said at ERROR when it already
    happened at start-up (a store class that could not be imported or built)."""
    if isinstance(inner_tracker_store(agent), InMemoryTrackerStore):
        logger.error(
            "Conversations are kept IN MEMORY ONLY and are lost on restart: check tracker_store "
            "in endpoints.yml and the warnings above."
        )
    elif not make_tracker_store_failures_loud(agent):
        logger.error("Could not turn off Rasa's fallback to an in-memory tracker store (Rasa changed?).")


def install_agent_patches(agent: Optional[Any]) -> None:
    """Once per loaded agent, whichever channel's listener runs first."""
    if agent is None or id(agent) in _patched_agents:
        return
    _patched_agents.add(id(agent))
    # Imported here: the channels package installs the process patches when Rasa imports it.
    from bot.server.channels.redelivery import answer_redeliveries

    install_loud_tracker_store(agent)
    keep_connections(getattr(agent, "action_endpoint", None))
    if agent.processor is not None:
        answer_redeliveries(agent.processor)


def limit_request_size(app: Any) -> None:
    """Read per connection by Sanic, so it holds from the first request when set before serving."""
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES


def install_when_served(blueprint: Blueprint) -> None:
    """Limit the request size before the app serves, install the agent patches after Rasa's own
    start-up listener has loaded the agent (not before_server_start: Rasa registers its listener
    after the channels' blueprints), and close the kept connections when it stops."""

    @blueprint.listener("before_server_start")
    async def limit_requests(app: Any, _loop: Any) -> None:
        limit_request_size(app)

    @blueprint.listener("after_server_start")
    async def patch_agent(app: Any, _loop: Any) -> None:
        install_agent_patches(getattr(app.ctx, "agent", None))

    @blueprint.listener("before_server_stop")
    async def close_connections(app: Any, _loop: Any) -> None:
        kept = getattr(getattr(getattr(app.ctx, "agent", None), "action_endpoint", None), "kept_sessions", None)
        if kept is not None:
            await kept.close()
