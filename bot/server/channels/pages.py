"""The two pages Rasa serves itself (the chat widget's and the helpline agents'), from web/."""

from __future__ import annotations

from sanic import response
from sanic.response import HTTPResponse

from bot import REPO_ROOT

WEB_DIR = REPO_ROOT / "web"
MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
}
# The pages run only their own scripts: nothing a user types can inject one.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "connect-src 'self'; img-src 'self' data:; font-src 'self' data:; frame-ancestors 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


async def serve(relative_path: str, allowed: frozenset) -> HTTPResponse:
    """A file of web/ named in `allowed`, else 404 (no path from a URL reaches the disk unchecked)."""
    if relative_path not in allowed:
        return response.text("Not found", status=404)
    path = WEB_DIR / relative_path
    if not path.is_file():
        return response.text(f"{relative_path} is not installed: run `make web`.", status=503)
    return await response.file(
        path, mime_type=MIME_TYPES.get(path.suffix, "application/octet-stream"), headers=SECURITY_HEADERS
    )
