"""Rasa event dicts of user turns, as the trackers of the actions and of agent assist hold them."""

from __future__ import annotations

from typing import List

from bot.triage.entities import extraction_to_entities


def user_event(text: str, extractor, intent: str = "report_symptom", timestamp: float = 0.0) -> dict:
    entities = extraction_to_entities(extractor.extract(text), None, text)
    return {
        "event": "user",
        "timestamp": timestamp,
        "text": text,
        "parse_data": {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities},
    }


def user_events(extractor, *texts: str, start: float = 1000.0) -> List[dict]:
    """One user event per text, a second apart."""
    return [user_event(text, extractor, timestamp=start + i) for i, text in enumerate(texts)]
