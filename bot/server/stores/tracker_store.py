"""Where conversations are kept: Rasa's SQL tracker store, made to fail loudly.

endpoints.yml names `bot.server.stores.tracker_store.StrictSQLTrackerStore` with `url: ${TRACKER_STORE_URL}`
(`make run` defaults it to `sqlite:///state/conversations.db`; a PostgreSQL URL works the same).

Why not Rasa's own SQLTrackerStore: when its database fails, Rasa 3.6 goes on as if nothing had
happened. Its constructor only logs a failed table creation (and loops forever on some other
errors), and the Agent wraps every store in a FailSafeTrackerStore that answers a failed read with
an empty conversation and keeps a failed write in memory, never to be read again: a conversation
in which someone reported a seizure would silently start over. Here every database error is
raised as TrackerStoreUnavailable, so the input guard answers with the safe care-team advice; the
error is logged once per outage, and the health endpoint (bot/server/channels/health.py) reports it.

And a message does not read the whole conversation back: the store keeps the trackers it last read
or wrote (tracker_cache.py) and, before using one, checks in one indexed query that the database
holds what it held then (another Rasa server may have handled the conversation since). A save
writes only the events added since, each serialised once, as Rasa's own store does.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import threading
import time
from typing import Any, Dict, Iterator, List, Optional, Text

import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.tracker_store import (
    FailSafeTrackerStore,
    SQLTrackerStore,
    TrackerStore,
    create_engine_kwargs,
    validate_port,
)
from rasa.shared.core.events import Event, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.server.stores.tracker_cache import (
    DEFAULT_CACHED_EVENTS,
    CachedConversation,
    Stamp,
    TrackerCache,
    read_back,
    snapshot,
    stored_events,
)

logger = logging.getLogger(__name__)

HEALTH_CHECK_SENDER = "__health_check__"


class TrackerStoreUnavailable(RasaException):
    """The conversation database cannot be read or written."""

    def __init__(self, message: str, error_type: str) -> None:
        super().__init__(message)
        self.error_type = error_type  # the driver's error class: safe to show anyone


class TrackerStoreMisconfigured(RuntimeError):
    """The store cannot be built from its settings.

    Not an AttributeError: Rasa replaces a custom store whose constructor raises one with an
    in-memory store, with only a warning (rasa/core/tracker_store.py:1561-1568).
    """


def driver_error(error: BaseException) -> BaseException:
    """The database driver's own error inside SQLAlchemy's wrapper, if there is one."""
    return getattr(error, "orig", None) or error


def error_summary(error: BaseException) -> str:
    """The error's class and the first line of the driver's message: never SQL or its parameters."""
    original = driver_error(error)
    lines = str(original).strip().splitlines()
    return f"{type(original).__name__}: {lines[0]}" if lines else type(original).__name__


class Fault:
    """Whether a backing service works, for the logs (once per outage) and the health endpoint."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.error: Optional[str] = None
        self._lock = threading.Lock()

    @property
    def ok(self) -> bool:
        return self.error is None

    def failed(self, operation: str, error: BaseException) -> None:
        summary = f"{operation}: {error_summary(error)}"
        with self._lock:
            first = self.error is None
            self.error = summary
        if first:
            logger.error(
                "%s is UNAVAILABLE (%s). Messages get the safe care-team answer until it returns.", self.name, summary
            )

    def recovered(self) -> None:
        with self._lock:
            previous, self.error = self.error, None
        if previous is not None:
            logger.warning("%s has recovered (it failed with %s).", self.name, previous)


class StrictSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store that raises TrackerStoreUnavailable instead of hiding faults."""

    def __init__(
        self,
        domain: Any = None,
        host: Optional[Text] = None,
        dialect: Text = "sqlite",
        port: Optional[int] = None,
        db: Text = "rasa.db",
        username: Optional[Text] = None,
        password: Optional[Text] = None,
        event_broker: Any = None,
        query: Optional[Dict] = None,
        startup_timeout: float = 10,
        cached_events: int = DEFAULT_CACHED_EVENTS,
        **kwargs: Any,
    ) -> None:
        """`cached_events`: how many events the tracker cache may hold in all (0: none, every message
        reads its conversation back as Rasa's own store does)."""
        # Not SQLTrackerStore.__init__: it may loop forever, or start with no tables and no error.
        try:
            url = sa.engine.make_url(
                self.get_db_url(dialect, host, validate_port(port), db, username, password, None, query)
            )
            self.engine = sa.create_engine(url, **self.engine_options(url))
        except (AttributeError, ValueError, sqlalchemy.exc.ArgumentError) as error:
            raise TrackerStoreMisconfigured(f"Cannot use the tracker store settings: {error_summary(error)}") from error
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            os.makedirs(os.path.dirname(os.path.abspath(url.database)), exist_ok=True)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.fault = Fault(f"The tracker store ({url.get_backend_name()})")
        self._tables_ready = False
        self.cache = TrackerCache(int(cached_events)) if int(cached_events) > 0 else None
        TrackerStore.__init__(self, domain, event_broker, **kwargs)
        self._connect(float(startup_timeout))

    @staticmethod
    def engine_options(url: sa.engine.URL) -> Dict[str, Any]:
        """Rasa's options (pool sizes, PostgreSQL schema), plus: test a pooled connection before
        using it, so a restarted database does not fail the first message; and keep statement
        parameters (the event JSON, with the user's words) out of error messages and logs."""
        return {**create_engine_kwargs(url), "pool_pre_ping": True, "hide_parameters": True}

    def _connect(self, timeout: float) -> None:
        """Create the tables, retrying for `timeout` seconds; then start anyway, loudly degraded
        (the tables are created by the first operation that reaches the database)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self._reaching_database("start-up"):
                    pass
                logger.info("Conversations are stored in %s.", repr(self.engine.url))  # repr hides a password
                return
            except TrackerStoreUnavailable:
                if time.monotonic() >= deadline:
                    logger.error(
                        "Starting WITHOUT a working tracker store: messages get the safe answer until it works."
                    )
                    return
                time.sleep(1)

    def _ensure_tables(self) -> None:
        if self._tables_ready:
            return
        try:
            self.Base.metadata.create_all(self.engine)
        except (sqlalchemy.exc.ProgrammingError, sqlalchemy.exc.IntegrityError):
            # Another server created them at the same moment (PostgreSQL's pg_type unique violation).
            if not sa.inspect(self.engine).has_table(self.SQLEvent.__tablename__):
                raise
        self._tables_ready = True

    @contextlib.contextmanager
    def _reaching_database(self, operation: str) -> Iterator[None]:
        """Turn any database error into TrackerStoreUnavailable and keep the fault state."""
        try:
            self._ensure_tables()
            yield
        except sqlalchemy.exc.SQLAlchemyError as error:
            self.fault.failed(operation, error)
            raise TrackerStoreUnavailable(
                f"The tracker store failed ({operation}: {error_summary(error)}).", type(driver_error(error)).__name__
            ) from error
        self.fault.recovered()

    def _stamp(self, session: sa.orm.Session, sender_id: Text) -> Stamp:
        """The conversation's stamp: one query on the sender_id index."""
        events = self.SQLEvent.__table__
        count, last_id = session.execute(
            sa.select(sa.func.count(events.c.id), sa.func.max(events.c.id)).where(events.c.sender_id == sender_id)
        ).one()
        return Stamp(count, last_id)

    # These stay `async def`: Rasa wraps a store without them in a deprecated adapter.
    async def save(self, tracker: DialogueStateTracker) -> None:
        with self._reaching_database("save"):
            if self.cache is None:
                await super().save(tracker)
            else:
                await self._save_and_keep(tracker)

    async def _save_and_keep(self, tracker: DialogueStateTracker) -> None:
        """Write the events added since the conversation was read or saved, and keep the tracker
        that reading it back would build.

        For a tracker the cache does not know (or a database changed since), what is stored is
        counted as Rasa's store counts it (the events of the latest session), the rest is written,
        and nothing is kept.
        """
        sender_id = tracker.sender_id
        cached = self.cache.forget(sender_id)  # kept again only once the new events are committed
        await self.stream_events(tracker)
        with self.session_scope() as session:
            before = self._stamp(session, sender_id)
            kept, stored = None, None
            if before.events == 0:
                stored = 0
            elif cached is not None and cached.stamp == before and cached.domain is self.domain:
                kept, stored = cached.tracker, stored_events(tracker, cached)
            known = stored is not None
            if not known:
                stored = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()
            rows = event_rows(sender_id, list(itertools.islice(tracker.events, stored, None)))
            after = before
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
                after = self._stamp(session, sender_id)
            session.commit()
        if known:
            written = deserialise_events([json.loads(row["data"]) for row in rows])
            conversation = read_back(kept, written, sender_id, self.domain.slots)
            self.cache.keep(sender_id, CachedConversation(after, conversation, self.domain))

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Any:
        with self._reaching_database("retrieve"):
            if self.cache is None or fetch_events_from_all_sessions:
                return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
            with self.session_scope() as session:
                stamp = self._stamp(session, sender_id)
            cached = self.cache.get(sender_id, stamp, self.domain)
            if cached is not None:
                return snapshot(cached.tracker) if cached.tracker is not None else None
            # Read after the stamp: a write in between makes the stamp older than the tracker,
            # and the next message reads again (never the other way round).
            tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions=False)
            kept = snapshot(tracker) if tracker is not None else None
            self.cache.keep(sender_id, CachedConversation(stamp, kept, self.domain))
            return tracker

    async def keys(self) -> Any:
        with self._reaching_database("keys"):
            return await super().keys()

    def check_writable(self) -> None:
        """Insert an event row and roll it back: the connection, the table and the right to write.

        Blocking (the database driver is synchronous): the health endpoint runs it in a thread.
        Raises TrackerStoreUnavailable.
        """
        with self._reaching_database("health check"), self.engine.connect() as connection:
            transaction = connection.begin()
            try:
                connection.execute(
                    self.SQLEvent.__table__.insert().values(
                        sender_id=HEALTH_CHECK_SENDER, type_name="health_check", timestamp=time.time()
                    )
                )
            finally:
                transaction.rollback()


def event_rows(sender_id: Text, events: List[Event]) -> List[Dict[str, Any]]:
    """The rows Rasa's SQLTrackerStore.save writes for these events (rasa/core/tracker_store.py)."""
    rows = []
    for event in events:
        data = event.as_dict()
        rows.append(
            {
                "sender_id": sender_id,
                "type_name": event.type_name,
                "timestamp": data.get("timestamp"),
                "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                "action_name": data.get("name"),
                "data": json.dumps(data),
            }
        )
    return rows


def inner_tracker_store(agent: Any) -> Optional[TrackerStore]:
    """The store the Agent uses, without Rasa's FailSafeTrackerStore around it."""
    store = getattr(agent, "tracker_store", None)
    return store._tracker_store if isinstance(store, FailSafeTrackerStore) else store


def reraise(error: Exception) -> None:
    raise error


def make_tracker_store_failures_loud(agent: Any) -> bool:
    """Turn off the Agent's silent fallback to memory; True when it is off.

    Rasa's Agent always wraps its store in a FailSafeTrackerStore (rasa/core/agent.py:519-528),
    which calls its private `_on_tracker_store_error` inside its `except` block before falling
    back: a callback that re-raises means the fallback never runs. The attribute belongs to the
    pinned Rasa 3.6; tests/unit/server/stores/test_tracker_store.py fails if it goes away.
    """
    store = getattr(agent, "tracker_store", None)
    if not isinstance(store, FailSafeTrackerStore) or not hasattr(store, "_on_tracker_store_error"):
        return False
    store._on_tracker_store_error = reraise
    return True
