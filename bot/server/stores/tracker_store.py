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
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from typing import Any, Dict, Iterator, Optional, Text

import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.tracker_store import (
    FailSafeTrackerStore,
    SQLTrackerStore,
    TrackerStore,
    create_engine_kwargs,
    validate_port,
)
from rasa.shared.exceptions import RasaException

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
        **kwargs: Any,
    ) -> None:
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

    # These stay `async def`: Rasa wraps a store without them in a deprecated adapter.
    async def save(self, tracker: Any) -> None:
        with self._reaching_database("save"):
            await super().save(tracker)

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Any:
        with self._reaching_database("retrieve"):
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)

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
