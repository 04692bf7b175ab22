"""REST requests of any shape, for the bad-input tests."""

from __future__ import annotations

import requests

from ops.stack import (
    WEBHOOK_PATH,
)
from tests.support.stack import REQUEST_TIMEOUT_S


def post_raw(base_url: str, body: bytes, content_type: str = "application/json") -> requests.Response:
    """POST bytes as they are to the REST channel (for malformed bodies)."""
    return requests.post(
        base_url + WEBHOOK_PATH, data=body, headers={"Content-Type": content_type}, timeout=REQUEST_TIMEOUT_S
    )


def post_json(base_url: str, body: object) -> requests.Response:
    """POST any JSON value to the REST channel, whatever its shape."""
    return requests.post(base_url + WEBHOOK_PATH, json=body, timeout=REQUEST_TIMEOUT_S)
