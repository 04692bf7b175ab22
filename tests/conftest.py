"""Shared fixtures: the knowledge base and one extractor for the whole run (both are read-only)."""

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bot.extraction import SymptomExtractor  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402


@pytest.fixture(scope="session")
def knowledge():
    return load_knowledge()


@pytest.fixture(scope="session")
def extractor(knowledge):
    return SymptomExtractor(knowledge)
