"""The helpline agent-assist API, a custom Rasa channel on Rasa's own port.

POST /webhooks/agent_assist/triage with {"text": ..., "conversation_id": ...} and
`Authorization: Bearer <AGENT_ASSIST_TOKEN>`. Each call is a turn of the same Rasa conversation
(kept in Rasa's tracker store), so what a caller says over several calls adds up. The answer is
the structured triage of the whole call so far, words the agent can say, and a call-log note
(see docs/agent_assist.openapi.yaml). GET /webhooks/agent_assist/ serves the agents' page.

A text over the input guard's limit is not triaged (a 400), but its start is read for red flags as
in the chat, and the error then opens with the emergency advice; a body over the server's limit
(bot/server/patches.py) is a 413. Every error is JSON with an `error`.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import uuid
from datetime import date
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage, PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.server import patches
from bot.server.channels import pages
from bot.server.channels.guard import MAX_MESSAGE_CHARACTERS, MessageGuard, shared_guard
from bot.triage import wording
from bot.triage.conversation import add_up
from bot.triage.engine import UNCLEAR
from bot.triage.helpline import agent_assist_response

logger = logging.getLogger(__name__)

TOKEN_VARIABLE = "AGENT_ASSIST_TOKEN"
CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
# What JSON Schema's (ECMAScript's) \s calls white space: "text" must have something else.
SPACES = frozenset(" \t\n\v\f\r\u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff") | {
    chr(c) for c in range(0x2000, 0x200B)
}
PAGE_FILES = frozenset({"agent.html", "agent.css", "agent.js"})


def error(message: str, status: int, **headers: str) -> HTTPResponse:
    return response.json({"error": message}, status=status, headers=headers or None)


def authorised(request: Request, token: str) -> bool:
    """Bearer token check in constant time."""
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))


def parse_request(request: Request, guard: MessageGuard) -> Dict[str, Any]:
    """The validated body, or InvalidUsage with a message for the 400."""
    try:
        body = request.json
    except InvalidUsage:
        raise InvalidUsage("The body must be valid JSON, encoded as UTF-8.")
    if not isinstance(body, dict):
        raise InvalidUsage("The body must be a JSON object with a 'text' string.")
    text = body.get("text")
    if not isinstance(text, str):
        raise InvalidUsage("'text' is required and must be a string.")
    if all(character in SPACES for character in text):
        raise InvalidUsage("'text' must not be empty.")
    if len(text) > MAX_MESSAGE_CHARACTERS:
        if guard.over_long_names_red_flag(text):
            raise InvalidUsage(wording.agent_text_too_long_red_flag(MAX_MESSAGE_CHARACTERS))
        raise InvalidUsage(wording.agent_text_too_long(MAX_MESSAGE_CHARACTERS))
    conversation_id = body.get("conversation_id")
    if conversation_id is None:
        conversation_id = uuid.uuid4().hex
    elif not isinstance(conversation_id, str) or not CONVERSATION_ID.match(conversation_id):
        raise InvalidUsage("'conversation_id' must be 1 to 64 letters, digits, '_', '.', ':' or '-'.")
    return {"text": text, "conversation_id": conversation_id}


class AgentAssistInput(InputChannel):
    """Structured triage for helpline agents, behind a bearer token."""

    @classmethod
    def name(cls) -> Text:
        return "agent_assist"

    @staticmethod
    def sender_id(conversation_id: str) -> str:
        """Agent-assist calls never share a conversation with the chat channels."""
        return f"agent_assist:{conversation_id}"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("agent_assist_webhook", __name__)
        patches.install_when_served(webhook)
        guard = shared_guard()

        @webhook.route("/", methods=["GET"])
        @webhook.route("/<asset>", methods=["GET"])
        async def agent_page(request: Request, asset: str = "") -> HTTPResponse:
            return await pages.serve(asset or "agent.html", PAGE_FILES)

        @webhook.route("/triage", methods=["GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
        async def other_methods(request: Request) -> HTTPResponse:
            return error("Use POST.", 405, Allow="POST")

        @webhook.route("/triage", methods=["POST"])
        async def triage(request: Request) -> HTTPResponse:
            token = os.environ.get(TOKEN_VARIABLE, "")
            if not token:
                return error(f"Agent assist is turned off: set {TOKEN_VARIABLE} on the server.", 503)
            if not authorised(request, token):
                return error("Missing or wrong bearer token.", 401, **{"WWW-Authenticate": "Bearer"})
            try:
                call = parse_request(request, guard)
            except InvalidUsage as exception:
                return error(str(exception), 400)
            sender_id = self.sender_id(call["conversation_id"])
            if not guard.limiter.allow(sender_id):
                return error(
                    "Too many requests for this conversation; wait a few seconds.", 429, **{"Retry-After": "10"}
                )

            collector = CollectingOutputChannel()
            message = UserMessage(call["text"], collector, sender_id, input_channel=self.name())
            await guard.deliver(on_new_message, message)
            try:
                tracker = await request.app.ctx.agent.tracker_store.retrieve(sender_id)
            except Exception:
                # The call's earlier turns cannot be read: no triage that would leave them out.
                logger.exception("Reading an agent-assist call failed; answered 503 with the safe advice.")
                return error(f"The call's conversation could not be read. {guard.failure_reply(call['text'])}", 503)
            # Added up as the actions add it up: every user turn since the session started (not
            # applied_events(), which drops a turn that interrupted a form's question), the kept
            # state and the slots (treatment answers, caregiver checks).
            events = [e.as_dict() for e in tracker.events] if tracker else []
            slots = tracker.current_slot_values() if tracker else {}
            body = agent_assist_response(
                call["conversation_id"], add_up(events, slots, date.today()), unclear=slots.get("urgency") == UNCLEAR
            )
            body["replies"] = [m["text"] for m in collector.messages if m.get("text")]
            return response.json(body)

        @webhook.exception(PayloadTooLarge)
        async def too_large(request: Request, exception: PayloadTooLarge) -> HTTPResponse:
            return error(patches.REQUEST_TOO_LARGE, 413)

        return webhook
