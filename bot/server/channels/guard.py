"""What every channel checks before a message reaches Rasa, and what it answers instead.

Empty, non-text, over-long and flooding messages get a clear answer without running the
dialogue; "/intent" injection is read as words; a failure while handling a message still
answers with the care-team and emergency advice. Nothing here logs message text: conversation
text is health information.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Deque, Dict, Optional

from rasa.core.channels.channel import UserMessage

from bot.server.channels import neutralise_intent_injection
from bot.server.channels.redelivery import adopt_client_message_id
from bot.server.stores.tracker_store import TrackerStoreUnavailable
from bot.triage import wording
from bot.triage.recognition.extractor import SymptomExtractor, shared_extractor

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARACTERS = 1000
# How much of an over-long message is read for red flags (MessageGuard.over_long_names_red_flag says why).
RED_FLAG_SCAN_CHARACTERS = 2 * MAX_MESSAGE_CHARACTERS


@dataclass(frozen=True)
class GuardReplies:
    empty: str = wording.guard_empty()
    not_text: str = wording.guard_not_text()
    too_long: str = wording.guard_too_long(MAX_MESSAGE_CHARACTERS)
    too_long_red_flag: str = wording.guard_too_long_red_flag(MAX_MESSAGE_CHARACTERS)
    too_fast: str = wording.guard_too_fast()
    failure: str = wording.guard_failure()
    failure_red_flag: str = wording.guard_failure_red_flag()


class FloodLimiter:
    """At most `limit` messages per sender in any `window_seconds` (in this process)."""

    def __init__(self, limit: int = 20, window_seconds: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window_seconds = window_seconds
        self.clock = clock
        self.recent: Dict[str, Deque[float]] = defaultdict(deque)

    def allow(self, sender_id: str) -> bool:
        now = self.clock()
        times = self.recent[sender_id]
        while times and now - times[0] > self.window_seconds:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True


class MessageGuard:
    """Wraps a channel's `on_new_message` with the checks above."""

    def __init__(
        self,
        extractor: Optional[SymptomExtractor] = None,
        limiter: Optional[FloodLimiter] = None,
        replies: GuardReplies = GuardReplies(),
    ):
        self._extractor = extractor
        self.limiter = limiter or FloodLimiter()
        self.replies = replies

    @property
    def extractor(self) -> SymptomExtractor:
        if self._extractor is None:
            self._extractor = shared_extractor()
        return self._extractor

    def mentions_red_flag(self, text: str) -> bool:
        """Read by the symptom recogniser alone: no dialogue, no conversation state."""
        return any(m.red_flag for m in self.extractor.extract(text).mentions)

    def names_red_flag(self, text: str) -> bool:
        """`mentions_red_flag` where an answer must go out whatever happens: a recogniser that fails
        reads as no red flag, and the answer without the emergency wording still names emergency
        services."""
        try:
            return self.mentions_red_flag(text)
        except Exception:
            logger.exception("The symptom recogniser failed in the input guard; sent the generic safe answer.")
            return False

    def over_long_names_red_flag(self, text: str) -> bool:
        """Whether the first RED_FLAG_SCAN_CHARACTERS (twice the limit) of an over-long message
        name a red flag.

        Not all of it: spaCy refuses a text over 1,000,000 characters (E088), which left a 5 MB
        message with no answer at all, and the recogniser's cost grows faster than the text (spaCy's
        tokenizer on long runs without spaces, the clause searched around each mention): 2,000
        characters of an ordinary account take under a tenth of a second (a third of one on a
        2-core machine busy with other work), the worst inputs tried (a run of quote marks, one red
        flag said over and over without punctuation) 2 to 6 s on that busy machine, and twice the
        length about four times as long. Twice the limit still reads whole a message a little over
        it, a pasted note or a long story with the red flag at its end. A red flag further in is
        not read; the refusal names emergency services anyway.
        """
        return self.names_red_flag(text[:RED_FLAG_SCAN_CHARACTERS])

    def too_long_reply(self, text: str) -> str:
        """The refusal of an over-long message: not read as a turn, but never ignored for red flags."""
        return self.replies.too_long_red_flag if self.over_long_names_red_flag(text) else self.replies.too_long

    def failure_reply(self, text: str) -> str:
        """The answer when handling failed: emergency wording for a red flag, care team otherwise."""
        return self.replies.failure_red_flag if self.names_red_flag(text) else self.replies.failure

    def refusal(self, text: Any, sender_id: str) -> Optional[str]:
        """The answer for a message that must not reach the dialogue, or None to let it through."""
        if not isinstance(text, str):
            return self.replies.not_text
        if not text.strip():
            return self.replies.empty
        if len(text) > MAX_MESSAGE_CHARACTERS:
            return self.too_long_reply(text)
        if not self.limiter.allow(sender_id):
            return self.replies.too_fast
        return None

    async def deliver(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage) -> None:
        """Hand a checked message to Rasa, read as words, with a safe answer if handling fails."""
        message.text = neutralise_intent_injection(message.text)
        adopt_client_message_id(message)
        try:
            await on_new_message(message)
        except TrackerStoreUnavailable:
            # bot.server.stores.tracker_store has logged the fault, with its cause, once for the outage.
            logger.error(
                "Handling a message failed (channel %s): the tracker store is unavailable; sent the safe fallback.",
                message.input_channel,
            )
            await message.output_channel.send_text_message(message.sender_id, self.failure_reply(message.text))
        except Exception:
            logger.exception("Handling a message failed (channel %s); sent the safe fallback.", message.input_channel)
            await message.output_channel.send_text_message(message.sender_id, self.failure_reply(message.text))

    def wrap(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[Any]]:
        """`on_new_message` behind every check: what a chat channel registers."""

        async def guarded(message: UserMessage) -> None:
            refusal = self.refusal(message.text, message.sender_id)
            if refusal is not None:
                logger.info("Message refused by the input guard (channel %s).", message.input_channel)
                await message.output_channel.send_text_message(message.sender_id, refusal)
                return
            await self.deliver(on_new_message, message)

        return guarded


_shared_guard: Optional[MessageGuard] = None


def shared_guard() -> MessageGuard:
    """One guard per process, so that every channel shares the extractor and the flood limits."""
    global _shared_guard
    if _shared_guard is None:
        _shared_guard = MessageGuard()
    return _shared_guard
