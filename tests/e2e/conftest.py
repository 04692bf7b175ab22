"""Fixtures for the end-to-end tests: the whole stack over REST, on ports of its own.

`stack` (session): the action server and Rasa, started as `make run` starts them.
`stack_without_actions` (module): Rasa alone, its action endpoint pointed at a port where nothing
listens, for the "action server down" case.
`send(sender, text)`: POST a message to the session stack's REST channel, get the bot's messages.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Iterator, List

import pytest

HERE = Path(__file__).resolve().parent
for path in (HERE, HERE.parents[1]):  # this folder (e2e_support) and the repository root (bot)
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from e2e_support import MODEL, REPO_ROOT, RasaStack, StartupError, start_stack  # noqa: E402


def _started(tmp_path_factory: pytest.TempPathFactory, with_action_server: bool) -> Iterator[RasaStack]:
    if not MODEL.exists():
        pytest.fail(f"{MODEL.relative_to(REPO_ROOT)} is missing: run `make train` before the end-to-end tests.",
                    pytrace=False)
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
