"""An event's class is looked up by its type name once, not by listing every subclass of Event each
time (issue 16; docs/performance.md, "Issue 16, turn growth").

Rasa 3.6 turns each event read from JSON (the action server's answers, the events the tracker cache
reads back after a save) into an object of its class with `Event.resolve_by_type`, which lists every
subclass of Event, recursively, and compares their type names: about 0.06 ms an event on 2 cores,
some 30 events a symptom report. Rasa's event classes are all defined when Rasa is loaded, before
any message, so the first class Rasa finds for a name is kept and given for that name after. A name
Rasa finds no class for (an unknown one, or the old "topic") is Rasa's to answer every time.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text, Type

from rasa.shared.core.events import Event

RASA_RESOLVE_BY_TYPE = Event.resolve_by_type
FOUND: Dict[Text, Type[Event]] = {}


def resolve_by_type(type_name: Any, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """Event.resolve_by_type, from the classes found before."""
    found = FOUND.get(type_name) if isinstance(type_name, str) else None
    if found is None:
        found = RASA_RESOLVE_BY_TYPE(type_name, default)
        if isinstance(type_name, str) and found is not None and getattr(found, "type_name", None) == type_name:
            FOUND[type_name] = found
    return found


def install() -> None:
    """In the server."""
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[assignment]
