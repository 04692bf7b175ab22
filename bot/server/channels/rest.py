"""Rasa's REST channel at its usual URL (/webhooks/rest/webhook), hardened against bad input.

Requests and replies keep Rasa's standard shape, so existing clients work unchanged. What
changes: a malformed request gets a 400 with a JSON error instead of a server error, a message
goes through the input guard (empty, non-text, over-long, flooding, "/intent" injection), and a
sender id is required, so that strangers never share Rasa's "default" conversation. A body over
the server's limit (bot/server/patches.py) gets a 413 with a JSON error; any message under it gets
an answer.

A client may send a `message_id` with each message and send the message again, with the same
id, when it got no answer: it is then answered without being handled twice (bot/server/channels/redelivery.py).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage, PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.server import patches
from bot.server.channels.guard import shared_guard
from bot.server.channels.redelivery import CLIENT_MESSAGE_ID, MAX_MESSAGE_ID_CHARACTERS


def json_object(request: Request) -> Dict[Text, Any]:
    """The request body as a JSON object, or a 400 that says what is wrong."""
    body = request.json  # Sanic raises InvalidUsage for a body that is not JSON or not UTF-8
    if not isinstance(body, dict):
        raise InvalidUsage("The body must be a JSON object.")
    return body


async def bad_request(request: Request, exception: InvalidUsage) -> HTTPResponse:
    message = str(exception)
    if "parsing body as json" in message:
        message = "The body must be valid JSON, encoded as UTF-8."
    return response.json({"error": message}, status=400)


async def too_large(request: Request, exception: PayloadTooLarge) -> HTTPResponse:
    return response.json({"error": patches.REQUEST_TOO_LARGE}, status=413)


class SafeRestInput(RestInput):
    """The standard REST channel behind the input guard."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        sender = json_object(req).get("sender")
        if not isinstance(sender, (str, int)) or isinstance(sender, bool) or not str(sender).strip():
            raise InvalidUsage("'sender' is required: a string that identifies the conversation.")
        if len(str(sender)) > 128:
            raise InvalidUsage("'sender' must be at most 128 characters.")
        return str(sender)

    def _extract_message(self, req: Request) -> Text:
        message = json_object(req).get("message")
        if not isinstance(message, str):
            raise InvalidUsage("'message' is required and must be a string.")
        return message

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        body = json_object(request)
        metadata = body.get("metadata")
        metadata = dict(metadata) if isinstance(metadata, dict) else {}
        message_id = body.get(CLIENT_MESSAGE_ID)
        if message_id is not None:
            if not isinstance(message_id, str) or not 0 < len(message_id) <= MAX_MESSAGE_ID_CHARACTERS:
                raise InvalidUsage(
                    f"'{CLIENT_MESSAGE_ID}' must be a string of 1 to {MAX_MESSAGE_ID_CHARACTERS} characters."
                )
            metadata[CLIENT_MESSAGE_ID] = message_id
        else:
            # Only the body's id counts: one smuggled in the metadata is not the client's promise.
            metadata.pop(CLIENT_MESSAGE_ID, None)
        return metadata or None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = super().blueprint(shared_guard().wrap(on_new_message))
        webhook.exception(InvalidUsage)(bad_request)
        webhook.exception(PayloadTooLarge)(too_large)

        patches.install_when_served(webhook)

        return webhook
