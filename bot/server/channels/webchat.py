"""The web chat widget's channel: Rasa's socket.io channel, plus the page that hosts the widget.

- The page is served by Rasa itself at /webhooks/webchat/chat, so the socket is same-origin and
  the default allowed origin is the page's own. WEBCHAT_ALLOWED_ORIGINS (comma-separated) allows
  others, for a clinic or charity site that embeds the widget.
- Every message goes through the input guard, like the other channels. A socket.io message over
  the server's request limit (bot/server/patches.py) never reaches it: engine.io closes the
  connection (the transport's 413).
- Emergency advice is marked for the widget (rasa-webchat's `customCss`), so that the page shows
  it as a highlighted block; phone numbers and web addresses become links.
- The structured triage payload is for the agent-assist tool, not for patients: it is not sent
  to the widget.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.server import patches
from bot.server.channels import pages
from bot.server.channels.guard import shared_guard

logger = logging.getLogger(__name__)

ALLOWED_ORIGINS_VARIABLE = "WEBCHAT_ALLOWED_ORIGINS"
# Session ids are random tokens (rasa-webchat makes 32 hex digits): anything else is replaced.
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
EMERGENCY_CSS = {"style": "class", "css": "triage-emergency"}
PHONE_OR_URL = re.compile(r"(?<![\w\[/:-])(911|1-\d{3}-\d{3}-\d{4})(?![\w-])|(https?://[^\s)\]]+)")
# URL under /webhooks/webchat/ -> file under web/ (the widget itself comes from npm).
PAGE_FILES = {
    "chat": "chat.html",
    "chat.css": "chat.css",
    "chat.js": "chat.js",
    "webchat.js": "node_modules/rasa-webchat/lib/index.js",
}


def allowed_origins_from_environment() -> Optional[List[str]]:
    """Origins allowed to open the socket; None means only the page's own origin."""
    configured = os.environ.get(ALLOWED_ORIGINS_VARIABLE, "")
    origins = [o.strip().rstrip("/") for o in configured.split(",") if o.strip()]
    return origins or None


def with_links(text: str) -> str:
    """Markdown links for phone numbers and web addresses, which the widget renders clickable."""

    def link(match: "re.Match[str]") -> str:
        phone, url = match.group(1), match.group(2)
        if phone:
            return f"[{phone}](tel:{phone.replace('-', '')})"
        return f"[{url}]({url})"

    return PHONE_OR_URL.sub(link, text)


class WidgetOutput(SocketIOOutput):
    """What the widget receives: text with links; emergency advice marked to stand out."""

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        metadata = kwargs.get("metadata") or {}
        emergency = metadata.get("urgency") == "emergency"
        for part in text.strip().split("\n\n"):
            message: Dict[Text, Any] = {"text": with_links(part)}
            if emergency:
                message["metadata"] = {"customCss": EMERGENCY_CSS}
            await self._send_message(recipient_id, message)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        logger.debug("Structured payload not sent to the widget.")


class WebchatInput(SocketIOInput):
    """socket.io for rasa-webchat, behind the input guard, with its host page."""

    allowed_origins: Optional[List[str]] = None

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        channel = super().from_credentials(credentials)
        channel.allowed_origins = allowed_origins_from_environment()
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        guarded = shared_guard().wrap(on_new_message)
        webhook = super().blueprint(guarded)
        patches.install_when_served(webhook)
        sio = self.sio
        # Rasa opens the socket to every origin ([] turns engine.io's check off); None restores
        # engine.io's default, the page's own origin, unless origins are configured.
        sio.eio.cors_allowed_origins = self.allowed_origins
        sio.eio.max_http_buffer_size = patches.MAX_REQUEST_BYTES

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any) -> None:
            """Rasa's handler, but awaiting enter_room, a coroutine in python-socketio 5.x.

            Rasa 3.6 calls it without `await`, so the socket never joins its session's room and
            every reply, sent to that room, is lost: the widget would show nothing at all.
            """
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            """Rasa's handler, but a malformed event gets an answer instead of an exception."""
            output = WidgetOutput(sio, self.bot_message_evt)
            if not isinstance(data, dict) or not isinstance(data.get("message"), str):
                await output.send_text_message(sid, shared_guard().replies.not_text)
                return
            sender_id = data.get("session_id") if self.session_persistence else sid
            if not isinstance(sender_id, str) or not SESSION_ID.match(sender_id):
                sender_id = sid
            metadata = data.get(self.metadata_key)
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = None
            await guarded(
                UserMessage(
                    data.get("message"),
                    output,
                    sender_id,
                    input_channel=self.name(),
                    metadata=metadata if isinstance(metadata, dict) else None,
                    message_id=uuid.uuid4().hex,
                )
            )

        @webhook.route("/<page>", methods=["GET"])
        async def page(request: Request, page: str) -> HTTPResponse:
            return await pages.serve(PAGE_FILES.get(page, ""), frozenset(PAGE_FILES.values()))

        return webhook

    def get_output_channel(self) -> Optional[SocketIOOutput]:
        return WidgetOutput(self.sio, self.bot_message_evt) if self.sio else None
