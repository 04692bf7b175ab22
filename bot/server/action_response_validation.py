"""A faster check of the action server's answers, with the same schema, verdicts and errors.

Rasa 3.6 checks every answer of the action server with `jsonschema.validate`, which first checks
the (fixed) schema itself against jsonschema's metaschema: about 60 ms per custom action on a
2-core machine, more than the rest of a turn (see README, "Quality and performance"). This builds
the validator once; answers are still validated against the very same schema, and an invalid
answer still raises the same ValidationError with Rasa's explanation.

Even prebuilt, the schema costs about 0.6 ms an event (issue 16; docs/performance.md, "Issue 16,
turn growth"): an event must match exactly one of 23 event schemas (`oneOf`), so each is tried, and
each failure builds an error. Each of the 23 requires its own value of the event's type (`event`,
a `const`), so an event of type X can match only X's: checked against the common part and X's alone,
an event that passes would pass the whole schema. An answer is first checked that way, and only an
answer that does not pass it (an invalid one, or an event type the schema does not know) is checked
against the whole schema, which gives Rasa's verdict and error.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Optional, Text

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@functools.lru_cache(maxsize=1)
def action_response_validator():
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _event_type(schema: Dict[Text, Any]) -> Optional[Any]:
    return schema.get("properties", {}).get("event", {}).get("const")


@functools.lru_cache(maxsize=1)
def quick_validators() -> Optional[Dict[Text, Any]]:
    """The answer without its events' items ("answer"), and each event type's part of the event
    schema: None when the schema is not one whose every `oneOf` part requires a type of its own."""
    schema = RemoteAction.action_response_format_spec()
    events = schema["properties"]["events"]
    event = events.get("items", {})
    parts = event.get("oneOf", [])
    types = [_event_type(part) for part in parts]
    if (
        set(events) != {"type", "items"}
        or set(event) != {"type", "properties", "required", "oneOf"}
        or not all(isinstance(kind, str) for kind in types)
        or len(set(types)) != len(types)
    ):
        return None
    validator_class = validator_for(schema)
    common = {key: value for key, value in event.items() if key != "oneOf"}
    answer = {**schema, "properties": {**schema["properties"], "events": {"type": events["type"]}}}
    validators = {kind: validator_class({**common, "allOf": [part]}) for kind, part in zip(types, parts)}
    validators[None] = validator_class(answer)
    return validators


def passes_quickly(result: Any) -> bool:
    """True only for an answer that the whole schema accepts (False says nothing)."""
    validators = quick_validators()
    if validators is None or not validators[None].is_valid(result):
        return False
    for event in result.get("events", []):
        kind = event.get("event") if isinstance(event, dict) else None
        validator = validators.get(kind) if isinstance(kind, str) else None
        if validator is None or not validator.is_valid(event):
            return False
    return True


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """RemoteAction._validate_action_result with the validators built once."""
    try:
        if not passes_quickly(result):
            action_response_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from "
            f"the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error


def install() -> None:
    """Use the prebuilt validator in this process (Rasa loads bot.server.channels when it starts)."""
    RemoteAction._validate_action_result = validate_action_result
