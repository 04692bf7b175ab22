"""Shared fixtures: the knowledge base and one extractor for the whole run (both are read-only)."""

import pytest

from bot.triage.knowledge import load_knowledge
from bot.triage.recognition.extractor import SymptomExtractor


@pytest.fixture(scope="session")
def knowledge():
    return load_knowledge()


@pytest.fixture(scope="session")
def extractor(knowledge):
    return SymptomExtractor(knowledge)
