"""Talking to the scaled set-up (ops/scaled_stack.py) over HTTP, for the scale and fault tests."""

from __future__ import annotations

import time
from typing import List, Optional

import requests

from ops.scaled_stack import HEALTH_READY_PATH
from ops.stack import WEBHOOK_PATH

FAILURE_TEXT = "something went wrong on my side"


def post_message(
    base_url: str, sender: str, text: str, message_id: Optional[str] = None, timeout: float = 90
) -> requests.Response:
    body = {"sender": sender, "message": text}
    if message_id:
        body["message_id"] = message_id
    return requests.post(base_url + WEBHOOK_PATH, json=body, timeout=timeout)


def reply_texts(response: requests.Response) -> List[str]:
    assert response.status_code == 200, response.text
    return [m["text"] for m in response.json() if m.get("text")]


def readiness(url: str) -> requests.Response:
    return requests.get(url + HEALTH_READY_PATH, timeout=10)


def wait_for(condition, timeout: float = 60, interval: float = 1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
