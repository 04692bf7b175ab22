"""The action that asks the one follow-up question after a report's advice and treatment questions."""

from __future__ import annotations

from datetime import date
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.triage.conversation import STATE_SLOT, add_up
from bot.triage.follow_up import ANYTHING_ELSE, CAREGIVER_CHECKS, next_follow_up


class ActionAskFollowUp(Action):
    """Offers the caregiver checks, or asks about related symptoms, or asks "anything else?".

    The `follow_up` slot records which, so the rules read the "yes" or "no" that follows.
    """

    def name(self) -> Text:
        return "action_ask_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        conversation = add_up(tracker.events, tracker.slots, date.today())
        asked = list(tracker.get_slot("related_asked") or [])
        question = next_follow_up(
            conversation.result,
            conversation.reported.caregiver,
            bool(tracker.get_slot("caregiver_checks_offered")),
            asked,
        )
        events = [SlotSet(STATE_SLOT, conversation.state.as_slot()), SlotSet("follow_up", question and question.kind)]
        if question is None:
            return events
        if question.kind == CAREGIVER_CHECKS:
            dispatcher.utter_message(response="utter_offer_caregiver_checks")
            events.append(SlotSet("caregiver_checks_offered", True))
        elif question.kind == ANYTHING_ELSE:
            dispatcher.utter_message(response="utter_ask_anything_else")
        else:
            dispatcher.utter_message(text=question.text())
            events.append(SlotSet("related_asked", asked + list(question.symptoms)))
        return events
