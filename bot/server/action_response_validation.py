"""A faster check of the action server's answers, with the same schema and the same errors.

Rasa 3.6 checks every answer of the action server with `jsonschema.validate`, which first checks
the (fixed) schema itself against jsonschema's metaschema: about 60 ms per custom action on a
2-core machine, more than the rest of a turn (see README, "Quality and performance"). This
builds the validator once; answers are still validated against the very same schema, and an
invalid answer still raises the same ValidationError with Rasa's explanation.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Text

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


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """RemoteAction._validate_action_result with the validator built once."""
    try:
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
