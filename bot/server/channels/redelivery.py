"""A message sent again is answered, not handled twice.

A client that lost an answer (a Rasa server stopped mid-turn, a timeout, a dropped connection)
cannot know whether its message was handled, so it sends it again. Handled twice, a report
("he had a seizure") would be stored twice and the dialogue would move on twice. A client that
sends a `message_id` with each message (the REST channel reads it from the request body) gets
exactly-once handling: a message whose id the conversation already holds is answered with the
replies it got the first time, and nothing is stored.

The check runs inside Rasa's per-conversation lock (it wraps the processor, which the Agent calls
with the lock held), so a retry that arrives while the first attempt is still being handled on
another server waits for it and then finds it.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, Event, UserUttered

logger = logging.getLogger(__name__)

# The key under which a channel puts the client's id into the message's metadata.
CLIENT_MESSAGE_ID = "message_id"
MAX_MESSAGE_ID_CHARACTERS = 128


def client_message_id(message: UserMessage) -> Optional[Text]:
    """The id the client gave this message, or None (Rasa's own ids are new for every attempt)."""
    metadata = message.metadata if isinstance(message.metadata, dict) else {}
    message_id = metadata.get(CLIENT_MESSAGE_ID)
    return message_id if isinstance(message_id, str) and message_id else None


def adopt_client_message_id(message: UserMessage) -> None:
    """Store the message under the client's id, so that a second attempt can be recognised."""
    message_id = client_message_id(message)
    if message_id is not None:
        message.message_id = message_id


def replies_to(events: Iterable[Event], message_id: Text) -> Optional[List[Dict[Text, Any]]]:
    """The bot's replies to the user message stored with `message_id`; None when there is none."""
    replies: Optional[List[Dict[Text, Any]]] = None
    for event in events:
        if isinstance(event, UserUttered):
            if replies is not None:
                break
            if event.message_id == message_id:
                replies = []
        elif replies is not None and isinstance(event, BotUttered):
            replies.append(event.message())
    return replies


def answer_redeliveries(processor: Any) -> None:
    """Wrap `processor.handle_message`: a message already in the conversation gets its replies again."""
    handle_message: Callable[[UserMessage], Awaitable[Any]] = processor.handle_message
    if getattr(handle_message, "answers_redeliveries", False):
        return

    async def handle_message_once(message: UserMessage) -> Any:
        message_id = client_message_id(message)
        if message_id is not None:
            tracker = await processor.tracker_store.retrieve(message.sender_id)
            replies = replies_to(tracker.events, message_id) if tracker is not None else None
            if replies is not None:
                logger.info(
                    "A message sent again (channel %s) was answered with its first replies; not handled twice.",
                    message.input_channel,
                )
                for reply in replies:
                    await message.output_channel.send_response(message.sender_id, reply)
                return None
        return await handle_message(message)

    handle_message_once.answers_redeliveries = True  # type: ignore[attr-defined]
    processor.handle_message = handle_message_once
