"""One message at a time per conversation across several Rasa servers: a Redis lock store that is atomic.

endpoints.yml names it through `LOCK_STORE_TYPE=bot.server.stores.lock_store.AtomicRedisLockStore`, with
`url: ${LOCK_STORE_URL}` (a Redis URL, e.g. redis://127.0.0.1:26379/1; rediss:// for TLS). Optional
keys: `socket_connect_timeout`, `socket_timeout` (seconds; strings from the environment are fine)
and `key_prefix`.

Why not Rasa's own RedisLockStore: it takes and releases tickets by GET, change, SET, with nothing
in between to stop another server. Two servers can both get ticket 0 and handle one conversation
at once (the SQL tracker store then loses or misplaces events), and a release can overwrite a
ticket another server has just added, so that server waits forever. Here every change is a Redis
transaction (WATCH/MULTI/EXEC, redone when another server wrote the key in between), every key
expires shortly after its last ticket, and an unreachable Redis is raised as a LockError (the input
guard then sends the safe care-team answer), logged once per outage and reported by the health
endpoint. It never falls back to memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any, Callable, Iterator, Optional, Text, TypeVar, Union

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX, LOCK_LIFETIME, LockError, RedisLockStore
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot.server.stores.tracker_store import Fault, error_summary

logger = logging.getLogger(__name__)

# Redis answers within a millisecond on a working network; these bound how long a message (and, as
# Rasa's calls are synchronous, the whole server) waits for one that does not.
SOCKET_CONNECT_TIMEOUT_SECONDS = 2.0
SOCKET_TIMEOUT_SECONDS = 2.0
# A key outlives its last ticket by this much, for clocks that differ a little between servers.
KEY_EXPIRY_MARGIN_SECONDS = 5.0
SETTINGS = ("socket_connect_timeout", "socket_timeout", "key_prefix")

Result = TypeVar("Result")


class LockStoreUnavailable(LockError):
    """Redis cannot be reached or failed; a LockError, as Rasa raises for its own lock stores."""

    def __init__(self, message: str, error_type: str) -> None:
        super().__init__(message)
        self.error_type = error_type  # redis-py's error class: safe to show anyone


class LockStoreMisconfigured(RasaException):
    """The lock store cannot be built from its settings."""


def seconds(name: str, value: Any) -> float:
    """A positive number of seconds; endpoints.yml values substituted from the environment are strings."""
    if isinstance(value, bool):  # float(True) is 1.0: a YAML `true` is a mistake, not one second
        raise LockStoreMisconfigured(f"lock_store {name} must be a number of seconds, not {value!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise LockStoreMisconfigured(f"lock_store {name} must be a number of seconds, not {value!r}.") from None
    if number <= 0:
        raise LockStoreMisconfigured(f"lock_store {name} must be more than 0 seconds, not {value!r}.")
    return number


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's ticket lock, kept in Redis with atomic changes, key expiry and loud failures."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa builds custom lock stores as cls(endpoint_config=...) (rasa/core/lock_store.py:334);
        # not RedisLockStore.__init__, which wants host and port apart and has no connect timeout.
        settings = endpoint_config.kwargs
        unknown = sorted(set(settings) - set(SETTINGS))
        if unknown:
            raise LockStoreMisconfigured(
                f"lock_store does not take {', '.join(unknown)}: put the host, port, database and password in "
                f"its url (redis://[:password@]host:port/db, rediss:// for TLS); other keys: {', '.join(SETTINGS)}."
            )
        url = endpoint_config.url or ""
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise LockStoreMisconfigured(
                "lock_store url must be a Redis URL such as redis://127.0.0.1:6379/1 (is LOCK_STORE_URL set?)."
            )
        connect_timeout = seconds(
            "socket_connect_timeout", settings.get("socket_connect_timeout", SOCKET_CONNECT_TIMEOUT_SECONDS)
        )
        timeout = seconds("socket_timeout", settings.get("socket_timeout", SOCKET_TIMEOUT_SECONDS))
        try:
            self.red = redis.Redis.from_url(url, socket_connect_timeout=connect_timeout, socket_timeout=timeout)
        except ValueError as error:  # a malformed port or query string
            raise LockStoreMisconfigured(f"lock_store url is not a valid Redis URL: {error}") from None
        self.key_prefix = DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX
        if settings.get("key_prefix"):
            self._set_key_prefix(settings["key_prefix"])
        self.fault = Fault("The lock store (redis)")
        with contextlib.suppress(LockStoreUnavailable):
            self.ping()  # Redis is only reached lazily: say at start-up (once, at ERROR) that it is down

    @contextlib.contextmanager
    def _reaching_redis(self, operation: str) -> Iterator[None]:
        """Turn any Redis error into LockStoreUnavailable and keep the fault state."""
        try:
            yield
        except redis.exceptions.RedisError as error:
            self.fault.failed(operation, error)
            raise LockStoreUnavailable(
                f"The lock store failed ({operation}: {error_summary(error)}).", type(error).__name__
            ) from error
        self.fault.recovered()

    def ping(self) -> None:
        """Raises LockStoreUnavailable unless Redis answers. Blocking: the health endpoint runs it in a thread."""
        with self._reaching_redis("health check"):
            self.red.ping()

    def _expiring_write(self, target: Union[redis.Redis, redis.client.Pipeline], lock: TicketLock) -> None:
        """Save the lock to expire shortly after its last ticket, or delete it when no ticket is left.

        `target` is the client or a transaction's pipeline: both queue the same commands.
        """
        key = self.key_prefix + lock.conversation_id
        lock.remove_expired_tickets()
        if not lock.tickets:
            target.delete(key)
            return
        lifetime = max(ticket.expires for ticket in lock.tickets) - time.time() + KEY_EXPIRY_MARGIN_SECONDS
        target.set(key, lock.dumps(), px=max(1, int(lifetime * 1000)))

    def _transact(self, conversation_id: Text, operation: str, change: Callable[[TicketLock], Result]) -> Result:
        """Read, change and write one lock as a Redis transaction.

        WATCH makes EXEC fail when another server wrote the key after our read; redis-py then runs
        `change` again on a fresh read. An absent key is read as a lock with no tickets. (redis-py
        also reruns it when the connection drops while watching: if that EXEC had in fact been
        applied, a ticket is issued twice, and the unused one delays the conversation until it
        expires; it never lets two servers in at once.)
        """
        key = self.key_prefix + conversation_id

        def attempt(pipe: redis.client.Pipeline) -> Result:
            stored = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(stored)) if stored else self.create_lock(conversation_id)
            before = lock.dumps()
            result = change(lock)
            lock.remove_expired_tickets()
            pipe.multi()
            if lock.dumps() != before:  # a poll that changes nothing writes nothing: no needless conflicts
                self._expiring_write(pipe, lock)
            return result

        with self._reaching_redis(operation):
            return self.red.transaction(attempt, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._transact(conversation_id, "issue ticket", lambda lock: lock.issue_ticket(lock_lifetime))

    def update_lock(self, conversation_id: Text) -> None:
        self._transact(conversation_id, "update", lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove the ticket; the key goes with the last one (Rasa's cleanup, in the same transaction)."""
        self._transact(conversation_id, "release", lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Release the ticket after the message was handled (and saved): a failure is logged, not raised."""
        try:
            self.finish_serving(conversation_id, ticket_number)
        except LockStoreUnavailable:
            logger.warning(
                "A conversation lock was not released: that conversation's next message waits "
                "until the ticket expires (up to %g s).",
                LOCK_LIFETIME,
            )

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        with self._reaching_redis("read"):
            return super().get_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        """A blind write (Rasa's interface); this store's own changes go through `_transact`."""
        with self._reaching_redis("save"):
            self._expiring_write(self.red, lock)

    async def _acquire_lock(self, conversation_id: Text, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        """Rasa's wait for our turn, except that a waiter whose ticket has gone gives up at once.

        A ticket expires TICKET_LOCK_LIFETIME after it was issued; Rasa's loop would then wait for a
        turn that never comes (for as long as other tickets keep the key alive).
        """
        while True:
            lock = self.get_lock(conversation_id)
            if lock is not None:
                lock.remove_expired_tickets()
            if lock is None or all(waiting.number != ticket for waiting in lock.tickets):
                raise LockError("The ticket is gone: it expired while earlier messages were handled, or Redis lost it.")
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            self.update_lock(conversation_id)
