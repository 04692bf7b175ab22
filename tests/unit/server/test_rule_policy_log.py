"""RulePolicy's debug line: the states written as Rasa writes them when DEBUG is logged, not at all
otherwise; nothing else reads the text."""

import inspect
import logging

import pytest
import structlog
from rasa.core.policies import rule_policy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.utils.log_utils import configure_structlog

from bot.server import patches, rule_policy_log
from bot.server.rule_policy_log import RASA_FORMAT_TRACKER_STATES, format_tracker_states

STATES = [
    {},
    {"user": {"intent": "report_symptom", "entities": ("symptom",)}, "prev_action": {"action_name": "action_listen"}},
    {"user": {"intent": "report_symptom"}, "prev_action": {"action_name": "utter_symptom_advice"}},
]


@pytest.fixture
def structlog_config():
    """Rasa's structlog set-up afresh: the policy's logger binds again (Rasa caches it on first use)."""
    saved = structlog.get_config()
    rule_policy.structlogger.__dict__.pop("bind", None)
    yield
    structlog.configure(**saved)
    rule_policy.structlogger.__dict__.pop("bind", None)


@pytest.mark.parametrize("level", [logging.INFO, logging.WARNING, logging.ERROR])
def test_not_written_when_debug_is_not_logged(structlog_config, level):
    configure_structlog(level)
    assert not rule_policy_log.debug_logged()
    assert format_tracker_states(STATES) == ""


def test_written_as_rasa_writes_it_with_debug(structlog_config):
    configure_structlog(logging.DEBUG)
    assert rule_policy_log.debug_logged()
    assert format_tracker_states(STATES) == RASA_FORMAT_TRACKER_STATES(STATES) != ""


def test_rule_policy_reads_the_text_only_for_its_debug_line():
    """Fails if Rasa's RulePolicy uses the formatted states for anything but the debug event."""
    source = inspect.getsource(rule_policy)
    assert source.count("format_tracker_states") == 1
    assert "current_states = self.format_tracker_states(states)" in source
    assert source.count("current_states") == 3
    assert "current_states=copy.deepcopy(current_states)" in source  # the debug event's only use


def test_the_process_patches_install_it():
    patches.install_process_patches()
    assert RulePolicy.format_tracker_states is format_tracker_states
