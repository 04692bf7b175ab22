"""Event classes looked up by type name from the ones found before: Rasa's answer for every name."""

import pytest
from rasa.shared.core.events import BotUttered, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from bot.server import event_types, patches
from bot.server.event_types import RASA_RESOLVE_BY_TYPE, resolve_by_type


@pytest.fixture(autouse=True)
def nothing_found():
    event_types.FOUND.clear()
    yield
    event_types.FOUND.clear()


def test_every_event_type_gets_rasas_class_the_first_time_and_after():
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert {"user", "bot", "slot", "action", "rewind", "session_started"} <= names
    for _ in range(2):
        for name in names:
            assert resolve_by_type(name) is RASA_RESOLVE_BY_TYPE(name), name
    assert set(event_types.FOUND) == names


def test_names_rasa_finds_no_class_for_are_rasas_to_answer():
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        resolve_by_type("no_such_event")
    assert resolve_by_type("no_such_event", SlotSet) is SlotSet
    assert resolve_by_type("topic") is None
    with pytest.raises(ValueError):
        resolve_by_type(None)
    assert event_types.FOUND == {}


def test_events_read_from_json_are_rasas_once_installed():
    patches.install_process_patches()
    patches.install_process_patches()
    assert Event.resolve_by_type is resolve_by_type
    events = [
        UserUttered("he has a fever", {"name": "report_symptom"}),
        BotUttered("Call the care team."),
        SlotSet("urgency", "urgent"),
    ]
    for event in events:
        assert Event.from_parameters(event.as_dict()) == event
        assert type(Event.from_parameters(event.as_dict())) is type(event)
