"""Rasa's REST channel at the usual URL (/webhooks/rest/webhook), closed to intent injection."""

from __future__ import annotations

from typing import Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.request import Request

from bot.channels import neutralise_intent_injection


class SafeRestInput(RestInput):
    """The standard REST channel; only the "/intent" bypass of NLU is closed."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def _extract_message(self, req: Request) -> Optional[Text]:
        message = super()._extract_message(req)
        if isinstance(message, str):
            return neutralise_intent_injection(message)
        return message
