"""Delete the conversations whose last message is older than a number of days.

Conversations are health information: they are kept no longer than needed.

    python -m bot.server.stores.retention [--days 30] [--url $TRACKER_STORE_URL] [--dry-run]
    make prune-conversations DAYS=30

Rasa's SQL tracker store keeps one row per event in the table `events` (the user's words and the
slots are in its `data`). A conversation is deleted whole, never in part: dropping only the old
rows of a live conversation would drop its session start and change what Rasa loads for it.
Safe to run while the bot is running: each batch re-checks the age inside its DELETE.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import List, Optional, Sequence

import sqlalchemy as sa

DEFAULT_DAYS = 30.0
DEFAULT_URL = "sqlite:///state/conversations.db"
BATCH = 500
EVENTS = sa.table("events", sa.column("sender_id"), sa.column("timestamp"))


def stale(cutoff: float, senders: Optional[Sequence[str]] = None) -> sa.sql.Select:
    """The conversations whose newest event is older than `cutoff` (Unix seconds)."""
    query = sa.select(EVENTS.c.sender_id)
    if senders is not None:
        query = query.where(EVENTS.c.sender_id.in_(senders))
    return query.group_by(EVENTS.c.sender_id).having(sa.func.max(EVENTS.c.timestamp) < cutoff)


def prune(url: str, days: float, dry_run: bool = False, now: Optional[float] = None) -> List[str]:
    """Delete (or, dry, only find) the stale conversations; returns their ids."""
    if days < 0:
        raise ValueError("days must not be negative")
    database = sa.engine.make_url(url)
    if database.get_backend_name() == "sqlite" and not os.path.isfile(database.database or ""):
        return []  # nothing stored yet; connecting would create an empty file
    engine = sa.create_engine(database, hide_parameters=True)
    cutoff = (time.time() if now is None else now) - days * 86400
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("events"):
                return []
            senders = [row[0] for row in connection.execute(stale(cutoff))]
        if dry_run:
            return senders
        for start in range(0, len(senders), BATCH):
            with engine.begin() as connection:
                # A conversation that got a new message since the SELECT is kept.
                batch = stale(cutoff, senders[start : start + BATCH])
                connection.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(batch)))
        if senders and engine.dialect.name == "sqlite":
            # Deleted rows stay readable in the file's free pages until VACUUM rewrites it.
            with engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM"))
    finally:
        engine.dispose()
    return senders


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--days",
        type=float,
        default=DEFAULT_DAYS,
        help=f"delete conversations with nothing newer than this (default {DEFAULT_DAYS:g})",
    )
    parser.add_argument(
        "--url",
        default=os.environ.get("TRACKER_STORE_URL") or DEFAULT_URL,
        help=f"the tracker store's database (default: $TRACKER_STORE_URL, else {DEFAULT_URL})",
    )
    parser.add_argument("--dry-run", action="store_true", help="count them, delete nothing")
    arguments = parser.parse_args(argv)
    if arguments.days < 0:
        parser.error("--days must not be negative")
    senders = prune(arguments.url, arguments.days, arguments.dry_run)
    verb = "Would delete" if arguments.dry_run else "Deleted"
    print(f"{verb} {len(senders)} conversation(s) with no message in the last {arguments.days:g} days.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
