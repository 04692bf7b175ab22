"""Every patch to Rasa is installed from one place, once per process and once per agent."""

import asyncio
import json
import logging
import uuid

from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from sanic import Blueprint, Sanic

from bot.server import patches, quiet_warnings
from bot.server.action_response_validation import validate_action_result
from bot.server.channels.guard import MAX_MESSAGE_CHARACTERS
from bot.server.stores.tracker_store import reraise


class FakeStore:
    domain = None
    event_broker = None


class FakeProcessor:
    def __init__(self):
        self.calls = 0

        async def handle_message(message):
            self.calls += 1

        self.handle_message = handle_message


class FakeAgent:
    def __init__(self, store=None):
        self.tracker_store = FailSafeTrackerStore(store if store is not None else FakeStore())
        self.processor = FakeProcessor()


def test_process_patches_replace_the_action_result_validation():
    patches.install_process_patches()
    assert RemoteAction._validate_action_result is validate_action_result


def test_agent_patches_turn_off_the_fallback_and_answer_redeliveries_once():
    agent = FakeAgent()
    patches.install_agent_patches(agent)
    wrapped = agent.processor.handle_message
    assert agent.tracker_store._on_tracker_store_error is reraise
    assert getattr(wrapped, "answers_redeliveries", False)
    patches.install_agent_patches(agent)
    assert agent.processor.handle_message is wrapped, "a second channel's listener must not wrap it again"


def test_start_up_turns_off_the_fallback_or_says_it_already_happened(caplog):
    agent = FakeAgent()
    patches.install_loud_tracker_store(agent)
    assert agent.tracker_store._on_tracker_store_error is reraise
    with caplog.at_level(logging.ERROR, logger="bot.server.patches"):
        patches.install_loud_tracker_store(FakeAgent(InMemoryTrackerStore(None)))
    assert "IN MEMORY ONLY" in caplog.text


def test_deprecation_warnings_stay_quiet_after_rasa_sets_up_its_own_filters():
    import warnings

    import rasa.__main__ as rasa_main
    from pyparsing.warnings import PyparsingDeprecationWarning  # a UserWarning and a DeprecationWarning

    saved_filters, saved_configure = list(warnings.filters), rasa_main.configure_logging_and_warnings
    try:
        quiet_warnings.quiet_dependency_warnings()
        rasa_main.configure_logging_and_warnings(logging.INFO)
        with warnings.catch_warnings(record=True) as caught:
            warnings.warn("'setParseAction' deprecated", PyparsingDeprecationWarning)
            warnings.warn("pkg_resources is deprecated", DeprecationWarning)
            warnings.warn("a real problem", UserWarning)
        assert [str(w.message) for w in caught] == ["a real problem"]
    finally:
        warnings.filters[:] = saved_filters
        rasa_main.configure_logging_and_warnings = saved_configure


def test_every_channel_limits_the_request_size_before_the_app_serves():
    blueprint = Blueprint(f"channel_{uuid.uuid4().hex[:8]}")
    patches.install_when_served(blueprint)
    app = Sanic(f"app_{uuid.uuid4().hex[:8]}")
    (limit,) = [f.listener for f in blueprint._future_listeners if f.event == "before_server_start"]
    asyncio.run(limit(app, None))
    assert app.config.REQUEST_MAX_SIZE == patches.MAX_REQUEST_BYTES


def test_the_longest_message_fits_in_the_request_limit_however_it_is_escaped():
    longest = {
        "sender": "s" * 128,
        "message": "\U0001f975" * MAX_MESSAGE_CHARACTERS,  # each written as two \\u escapes
        "message_id": "m" * 128,
        "metadata": {"language": "en"},
    }
    assert len(json.dumps(longest).encode()) < patches.MAX_REQUEST_BYTES / 10
