"""What a custom action is sent: the conversation's state with the events the project's actions
read, not every event of the conversation (issue 16; docs/performance.md, "Issue 16, turn growth").

Rasa 3.6 sends the action server the whole tracker with each call: every event of the conversation
serialised to JSON, written to the socket and parsed back into rasa_sdk's Tracker, three calls a
symptom report. At turn 20 of a caregiver conversation that is about 170 kB a call, and the part of
a turn that grew most with the conversation. What the actions read of the events:

- `add_up` (bot/triage/conversation.py, every action that triages): the user turns after the kept
  conversation state (the slot `triage_state`), else those since the session started;
- rasa_sdk's FormValidationAction (validate_treatment_form): the slot events at the end, the form's
  candidates.

Everything else the actions read (slots, latest_message, active_loop, latest_input_channel) is in
the rest of the state, which Rasa computes from the whole tracker as before. So the events sent are
those from `first_event_read` on: the kept state's last user event, or the latest session start or
restart, and everything after them. The actions add up exactly what they did from every event
(tests/unit/server/test_action_request.py runs each of them on both, after every event of a
conversation). An action that needs an earlier turn keeps what it needs in a slot.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.triage.conversation import STATE_SLOT, first_event_read

RASA_ACTION_CALL_FORMAT = RemoteAction._action_call_format
# The source of RemoteAction._action_call_format and of the tracker state it sends
# (DialogueStateTracker.current_state, _events_for_verbosity) in the pinned Rasa 3.6.21, which
# `action_call_format` writes as Rasa does but for the events: a test fails when it changes.
RASA_SOURCE_SHA256 = "f2d164b79520ffd34f8c47cf340ccf90ad0391b87ea8ec6e1f629a1fb570dc88"


def _event_kind(event: Event) -> Optional[str]:
    return event.type_name


def _event_time(event: Event) -> Optional[float]:
    return event.timestamp


def events_the_actions_read(tracker: DialogueStateTracker) -> List[Event]:
    """The tracker's events from the first that adding up the conversation reads."""
    events = list(tracker.events)
    return events[first_event_read(events, tracker.get_slot(STATE_SLOT), _event_kind, _event_time) :]


def action_call_format(self: RemoteAction, tracker: DialogueStateTracker, domain: Domain) -> Dict[Text, Any]:
    """RemoteAction._action_call_format with only the events the actions read."""
    tracker_state = tracker.current_state(EventVerbosity.NONE)
    tracker_state["events"] = [event.as_dict() for event in events_the_actions_read(tracker)]
    result = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": tracker_state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
        result["domain"] = domain.as_dict()
    return result


def install() -> None:
    """The slimmer request, in the server."""
    RemoteAction._action_call_format = action_call_format  # type: ignore[assignment]
