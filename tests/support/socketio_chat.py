"""A conversation over socket.io, held as the rasa-webchat widget holds one."""

from __future__ import annotations

import queue
import re
import time
import uuid
from typing import Callable, Iterable, List, Optional

from tests.support.replies import texts
from tests.support.stack import REQUEST_TIMEOUT_S

SOCKET_PATH = "socket.io"
SOCKET_CONNECT_TIMEOUT_S = 20.0
# Replies come one event per message and nothing marks the last one: a reply is complete when
# nothing more has come for this long (the action server is called between two messages).
SOCKET_QUIET_S = 2.5
TEL_LINK = re.compile(r"\[([^\]]+)\]\(tel:[^)]*\)")


def plain(text: str) -> str:
    """A widget text without the markdown tel: links the widget channel adds: "[911](tel:911)" -> "911"."""
    return TEL_LINK.sub(r"\1", text)


class SocketChat:
    """One conversation over socket.io, held as rasa-webchat holds it: `session_request` with a
    session id, then `user_uttered` events carrying it; every `bot_uttered` event is collected."""

    def __init__(self, base_url: str, session_id: Optional[str] = None) -> None:
        import socketio  # python-socketio, installed with Rasa

        self.session_id = session_id or uuid.uuid4().hex
        self._received: "queue.Queue[object]" = queue.Queue()
        self._confirmed: "queue.Queue[object]" = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", self._received.put)
        self.client.on("session_confirm", self._confirmed.put)
        self.client.connect(base_url, socketio_path=SOCKET_PATH, wait_timeout=SOCKET_CONNECT_TIMEOUT_S)
        self.client.emit("session_request", {"session_id": self.session_id})
        try:
            confirmed = self._confirmed.get(timeout=SOCKET_CONNECT_TIMEOUT_S)
        except queue.Empty:
            self.close()
            raise AssertionError(f"no session_confirm for session {self.session_id}") from None
        assert confirmed == self.session_id, f"session_confirm for {confirmed!r}, asked for {self.session_id!r}"

    def emit(self, data: object) -> None:
        """Send any `user_uttered` payload, well-formed or not."""
        self.client.emit("user_uttered", data)

    def send(self, message: object) -> None:
        self.emit({"message": message, "session_id": self.session_id})

    def collect(
        self,
        until: Optional[Callable[[List[dict]], bool]] = None,
        quiet: float = SOCKET_QUIET_S,
        timeout: float = REQUEST_TIMEOUT_S,
    ) -> List[dict]:
        """The `bot_uttered` events that arrive until `until(messages)` holds (or, without it, until
        at least one has come), and then nothing more for `quiet` seconds."""
        messages: List[dict] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = until(messages) if until else bool(messages)
            wait = quiet if done else min(quiet, max(0.0, deadline - time.monotonic()))
            try:
                event = self._received.get(timeout=wait)
            except queue.Empty:
                if done:
                    return messages
                continue
            messages.append(event if isinstance(event, dict) else {"unexpected_event": event})
        return messages

    def say(
        self, message: object, until: Optional[Callable[[List[dict]], bool]] = None, timeout: float = REQUEST_TIMEOUT_S
    ) -> List[dict]:
        self.send(message)
        return self.collect(until=until, timeout=timeout)

    def close(self) -> None:
        try:
            self.client.disconnect()
        except Exception:  # already gone
            pass


def socket_texts(messages: Iterable[dict]) -> List[str]:
    """The texts of socket.io replies, with the widget's tel: links made plain again."""
    return [plain(t) for t in texts(messages)]


def plain_messages(messages: Iterable[dict]) -> List[dict]:
    """Socket.io replies with plain texts, so that the REST helpers (advice_urgency...) apply."""
    return [dict(m, text=plain(m["text"])) if isinstance(m.get("text"), str) else m for m in messages]
