"""RulePolicy writes the conversation's states as text for its debug log line only when that line is
logged (issue 16; docs/performance.md, "Issue 16, turn growth").

At every prediction Rasa 3.6's RulePolicy writes every state of the conversation as text
(`Policy.format_tracker_states`) and deep-copies the text into a structured DEBUG event
(`rule_policy.actions.find`), whether DEBUG is logged or not: the longer the conversation, the
longer the text (a few tenths of a millisecond a prediction at turn 20, on 2 cores). Served at INFO,
the policy's logger drops DEBUG events, and then the text is not written (an empty string stands in
for it, which nothing reads). With --debug the line is written as Rasa writes it.
"""

from __future__ import annotations

import logging
from typing import Dict, List, Text

import structlog
from rasa.core.policies import rule_policy
from rasa.core.policies.rule_policy import RulePolicy

RASA_FORMAT_TRACKER_STATES = RulePolicy.format_tracker_states
# The loggers Rasa configures (structlog.make_filtering_bound_logger(level)) that drop DEBUG events.
WITHOUT_DEBUG = frozenset(
    structlog.make_filtering_bound_logger(level)
    for level in (logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL)
)


def debug_logged() -> bool:
    """Whether RulePolicy's logger (as Rasa configured structlog) writes DEBUG events."""
    return type(rule_policy.structlogger.bind()) not in WITHOUT_DEBUG


def format_tracker_states(states: List[Dict]) -> Text:
    """Policy.format_tracker_states, for RulePolicy's debug line: only when it is logged."""
    return RASA_FORMAT_TRACKER_STATES(states) if debug_logged() else ""


def install() -> None:
    """In the server."""
    RulePolicy.format_tracker_states = staticmethod(format_tracker_states)  # type: ignore[method-assign]
