"""Fixtures for the end-to-end tests: the whole stack over REST, on ports of its own.

`stack` (session): the action server and Rasa, started as `make run` starts them.
`stack_without_actions` (module): Rasa alone, its action endpoint pointed at a port where nothing
listens, for the "action server down" case.
`send(sender, text)`: POST a message to the session stack's REST channel, get the bot's messages.
`socket_chat()`: a socket.io conversation with the session stack, as the web widget holds one.
`browser`: headless Chromium (Debian's, through chromedriver) with a fresh profile.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import pytest

from bot import REPO_ROOT
from ops.stack import MODEL, StartupError
from tests.support.browser import SCREENSHOTS, start_chromium
from tests.support.socketio_chat import SocketChat
from tests.support.stack import RasaStack, start_stack


def _started(tmp_path_factory: pytest.TempPathFactory, with_action_server: bool) -> Iterator[RasaStack]:
    if not MODEL.exists():
        pytest.fail(
            f"{MODEL.relative_to(REPO_ROOT)} is missing: run `make train` before the end-to-end tests.", pytrace=False
        )
    log_dir = tmp_path_factory.mktemp("e2e-logs-with-actions" if with_action_server else "e2e-logs-actions-down")
    try:
        stack = start_stack(log_dir, with_action_server=with_action_server)
    except StartupError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    yield from _started(tmp_path_factory, with_action_server=True)


@pytest.fixture(scope="module")
def stack_without_actions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    yield from _started(tmp_path_factory, with_action_server=False)


@pytest.fixture(scope="session")
def send(stack: RasaStack) -> Callable[[str, str], List[dict]]:
    return stack.send


# ------------------------------------------------------------------------------------ socket.io


@pytest.fixture
def socket_chat(stack: RasaStack) -> Iterator[Callable[..., SocketChat]]:
    """Open socket.io conversations with the session stack (`socket_chat()`); closed after the test."""
    opened: List[SocketChat] = []

    def open_chat(session_id: Optional[str] = None) -> SocketChat:
        chat = SocketChat(stack.url, session_id=session_id)
        opened.append(chat)
        return chat

    yield open_chat
    for chat in opened:
        chat.close()


# ------------------------------------------------------------------------------------ browser


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Keep each phase's report on the test item, so that fixtures can tell a failed test."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def browser(request: pytest.FixtureRequest, tmp_path: Path):
    """Headless Chromium with a fresh profile; a failed test leaves a screenshot in reports/screenshots."""
    try:
        driver = start_chromium(tmp_path / "chromium-profile")
    except StartupError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield driver
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            driver.save_screenshot(str(SCREENSHOTS / f"FAILED-{name}.png"))
        driver.quit()
