"""The action that answers a symptom report with the documents' guidance and the structured triage."""

from __future__ import annotations

from datetime import date
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.triage import wording
from bot.triage.conversation import STATE_SLOT, URGENCY_SLOT, add_up, may_ask_a_question
from bot.triage.engine import triage, urgency_rank
from bot.triage.entities import reports_from_entities
from bot.triage.follow_up import check_answer_in_words, check_answered_by

CAREGIVER_CHECKS_FORM = "caregiver_checks_form"
REQUESTED_SLOT = "requested_slot"


class ActionTriageSymptoms(Action):
    """Runs after utter_symptom_advice, which has already given this message's advice.

    Sends what the documents say about the symptoms in this message, with sources. The triage
    of the whole conversation (symptoms accumulate, urgency never goes down) is attached as a
    custom JSON payload; when it is more urgent than this message alone, the reply says so.
    A report that answers one of the caregiver checks also answers that check.
    """

    def name(self) -> Text:
        return "action_triage_symptoms"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        conversation = add_up(tracker.events, tracker.slots, date.today())
        overall = conversation.result
        therapy_id = overall.therapy.id if overall.therapy else None
        this_message = reports_from_entities(tracker.latest_message.get("entities", []))
        message = triage(
            this_message.reports,
            therapy_id,
            overall.days_since_treatment,
            this_message.temperatures,
            emergency_described=this_message.emergency_described,
        )

        parts = []
        if message.symptoms and urgency_rank(overall.urgency) > urgency_rank(message.urgency):
            earlier = [s.label for s in overall.present if s.id not in {m.id for m in message.present}]
            parts.append(wording.together_with_earlier(earlier, overall.advice))
        if message.guidance_text:
            parts.append(message.guidance_text)
        if not may_ask_a_question(overall.urgency):
            # The turn asks nothing (no treatment or follow-up question): it ends here.
            parts.append(wording.COME_BACK_WHEN_SAFE)
        payload = {"triage": {**overall.as_dict(), "caregiver": conversation.reported.caregiver}}
        dispatcher.utter_message(text="\n\n".join(parts) or None, json_message=payload)
        events = [
            SlotSet(STATE_SLOT, conversation.state.as_slot()),
            SlotSet("days_since_treatment", overall.days_since_treatment),
            SlotSet(URGENCY_SLOT, overall.urgency),
        ]
        if therapy_id:
            events.append(SlotSet("therapy", therapy_id))
        events += _answered_check(tracker, message)
        if not may_ask_a_question(overall.urgency) and _active_loop(tracker) == CAREGIVER_CHECKS_FORM:
            # An emergency during the caregiver checks ends them: the next check would be a question.
            events += [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]
        return events


def _active_loop(tracker: Tracker) -> Optional[Text]:
    return (tracker.active_loop or {}).get("name")


def _answered_check(tracker: Tracker, message) -> List[Dict[Text, Any]]:
    """During the caregiver checks, the report's answer to the check being asked, if it gives one:
    the symptoms it names, else its opening words ("yes, ..." with words the recogniser missed)."""
    check = tracker.get_slot(REQUESTED_SLOT)
    if _active_loop(tracker) != CAREGIVER_CHECKS_FORM or not check:
        return []
    answer = check_answered_by(message) or check_answer_in_words(tracker.latest_message.get("text") or "")
    return [SlotSet(check, answer)] if answer else []
