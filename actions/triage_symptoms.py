"""The action that answers a symptom report with the documents' guidance and the structured triage."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.entities import reports_from_entities
from bot.triage import triage


class ActionTriageSymptoms(Action):
    """Runs after utter_symptom_advice, which has already given the urgency's advice.

    Sends what the documents say about the reported symptoms, with sources, and attaches the
    whole triage as a custom JSON payload for clients that show it in structured form.
    """

    def name(self) -> Text:
        return "action_triage_symptoms"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        reported = reports_from_entities(tracker.latest_message.get("entities", []))
        therapy_id = reported.therapy_id or tracker.get_slot("therapy")
        days = reported.days_since_treatment
        if days is None and tracker.get_slot("days_since_treatment") is not None:
            days = int(tracker.get_slot("days_since_treatment"))
        result = triage(reported.reports, therapy_id, days, reported.temperatures)
        payload = {"triage": {**result.as_dict(), "caregiver": reported.caregiver}}
        if result.guidance_text:
            dispatcher.utter_message(text=result.guidance_text, json_message=payload)
        else:
            dispatcher.utter_message(json_message=payload)
        return [SlotSet("therapy", therapy_id), SlotSet("days_since_treatment", days)]
