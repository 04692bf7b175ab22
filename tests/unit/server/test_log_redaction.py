"""Conversation text never reaches Rasa's structured logs above DEBUG."""

import io
import logging
import sys

import pytest
import structlog
from rasa.utils.log_utils import configure_structlog

from bot.server import log_redaction

WORDS = "my husband had a seizure at 3am"


@pytest.fixture
def rasa_logging(monkeypatch):
    """Rasa's own structlog set-up, as `rasa run` makes it, writing to a buffer."""
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stdout", buffer)
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    root.handlers = []
    configure_structlog(logging.DEBUG)
    yield buffer
    structlog.reset_defaults()
    root.handlers, root.level = saved_handlers, saved_level


def test_the_rest_channels_timeout_event_is_logged_without_the_words(rasa_logging):
    log_redaction.install()
    structlog.get_logger("rasa.core.channels.rest").error("rest.message.received.timeout", text=WORDS)
    output = rasa_logging.getvalue()
    assert "rest.message.received.timeout" in output
    assert WORDS not in output and log_redaction.REDACTED in output


def test_without_it_rasa_would_log_the_words(rasa_logging):
    structlog.get_logger("rasa.core.channels.rest").error("rest.message.received.timeout", text=WORDS)
    assert WORDS in rasa_logging.getvalue()


def test_debug_keeps_the_words_for_a_developers_own_machine(rasa_logging):
    log_redaction.install()
    structlog.get_logger("rasa.core.processor").debug("processor.message.parse", parse_data_text=WORDS)
    assert WORDS in rasa_logging.getvalue()


def test_installing_twice_redacts_once(rasa_logging):
    log_redaction.install()
    log_redaction.install()
    processors = structlog.get_config()["processors"]
    assert processors.count(log_redaction.redact_conversation_text) == 1
