"""The scaled set-up (ops/scaled_stack.py) for the scale-out and fault tests: real
PostgreSQL, Redis and nginx from Debian (ops/services.sh), two Rasa servers, one action server.
`make test-scale` installs the services first."""

from __future__ import annotations

from typing import Iterator

import pytest
import sqlalchemy as sa

from ops.scaled_stack import ScaledStack, start_scaled_stack


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
