"""A conversation as its tracker store holds it, read straight from the database."""

from __future__ import annotations

import json
from typing import List, Tuple

import sqlalchemy as sa


def stored_conversation(engine: sa.engine.Engine, sender: str) -> List[Tuple[int, str, float, dict]]:
    """The conversation's events as stored: (id, type, timestamp, event JSON), in id order."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, type_name, timestamp, data FROM events WHERE sender_id = :sender ORDER BY id"),
            {"sender": sender},
        ).fetchall()
    return [(row[0], row[1], row[2], json.loads(row[3])) for row in rows]


def user_messages(engine: sa.engine.Engine, sender: str) -> List[str]:
    """The user's messages as stored, in the order of the events."""
    return [data["text"] for _, kind, _, data in stored_conversation(engine, sender) if kind == "user"]
