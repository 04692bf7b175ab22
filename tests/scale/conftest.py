"""The scaled set-up (evaluation/scaled_stack.py) for the scale-out and fault tests: real
PostgreSQL, Redis and nginx from Debian (scripts/services.sh), two Rasa servers, one action server.
`make test-scale` installs the services first."""

from __future__ import annotations

import json
import time
import uuid
from typing import Iterator, List, Optional, Tuple

import pytest
import requests
import sqlalchemy as sa

from evaluation.scaled_stack import HEALTH_READY_PATH, ScaledStack, start_scaled_stack
from evaluation.stack import WEBHOOK_PATH

FAILURE_TEXT = "something went wrong on my side"


@pytest.fixture(scope="session")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaledStack]:
    stack = start_scaled_stack(tmp_path_factory.mktemp("scaled"), rasa_count=2)
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def database(scaled: ScaledStack) -> Iterator[sa.engine.Engine]:
    engine = sa.create_engine(scaled.settings["TRACKER_STORE_URL"], pool_pre_ping=True)
    yield engine
    engine.dispose()


def new_sender(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def post_message(base_url: str, sender: str, text: str, message_id: Optional[str] = None,
                 timeout: float = 90) -> requests.Response:
    body = {"sender": sender, "message": text}
    if message_id:
        body["message_id"] = message_id
    return requests.post(base_url + WEBHOOK_PATH, json=body, timeout=timeout)


def texts(response: requests.Response) -> List[str]:
    assert response.status_code == 200, response.text
    return [m["text"] for m in response.json() if m.get("text")]


def stored_conversation(engine: sa.engine.Engine, sender: str) -> List[Tuple[int, str, float, dict]]:
    """The conversation's events as stored: (id, type, timestamp, event JSON), in id order."""
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT id, type_name, timestamp, data FROM events WHERE sender_id = :sender ORDER BY id"),
            {"sender": sender}).fetchall()
    return [(row[0], row[1], row[2], json.loads(row[3])) for row in rows]


def user_messages(engine: sa.engine.Engine, sender: str) -> List[str]:
    """The user's messages as stored, in the order of the events."""
    return [data["text"] for _, kind, _, data in stored_conversation(engine, sender) if kind == "user"]


def readiness(url: str) -> requests.Response:
    return requests.get(url + HEALTH_READY_PATH, timeout=10)


def wait_for(condition, timeout: float = 60, interval: float = 1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
