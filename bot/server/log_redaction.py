"""No conversation text in Rasa's structured logs, whatever their level (debug excepted).

Rasa 3.6 puts message text into some structured log events above DEBUG: the REST channel logs
`rest.message.received.timeout` and `rest.message.received.failure` at ERROR with the `text`, for
instance when a client disconnects mid-turn. Conversation text is health information, so such
values are replaced before the event is rendered. DEBUG keeps them: that level is for a developer's
own machine (`--debug`), never for a deployment.
"""

from __future__ import annotations

from typing import Any, Dict

import structlog

# The keys of Rasa's structured log events that carry conversation content (those its own
# anonymisation hook covers, rasa/utils/log_utils.py).
CONVERSATION_KEYS = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
    }
)
REDACTED = "[redacted]"


def redact_conversation_text(_logger: Any, method_name: str, event_dict: Dict[str, Any]) -> Dict[str, Any]:
    """A structlog processor: conversation content out of every event above DEBUG."""
    if method_name != "debug":
        for key in CONVERSATION_KEYS.intersection(event_dict):
            event_dict[key] = REDACTED
    return event_dict


def install() -> None:
    """Put the redaction first in structlog's pipeline (Rasa configures it before loading channels)."""
    processors = list(structlog.get_config()["processors"])
    if redact_conversation_text not in processors:
        structlog.configure(processors=[redact_conversation_text, *processors])
