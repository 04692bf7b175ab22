"""The action that answers a symptom report with the documents' guidance and the structured triage."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.conversation import accumulate, triage_reported, user_turns
from bot.entities import reports_from_entities
from bot.knowledge import load_knowledge
from bot.triage import triage, urgency_rank


class ActionTriageSymptoms(Action):
    """Runs after utter_symptom_advice, which has already given this message's advice.

    Sends what the documents say about the symptoms in this message, with sources. The triage
    of the whole conversation (symptoms accumulate, urgency never goes down) is attached as a
    custom JSON payload; when it is more urgent than this message alone, the reply says so.
    """

    def name(self) -> Text:
        return "action_triage_symptoms"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        reported = accumulate(user_turns(tracker.events))
        conversation = triage_reported(reported, tracker.get_slot("therapy"))
        therapy_id = conversation.therapy.id if conversation.therapy else tracker.get_slot("therapy")
        days = reported.days_since_treatment
        this_message = reports_from_entities(tracker.latest_message.get("entities", []))
        message = triage(this_message.reports, therapy_id, days, this_message.temperatures)

        parts = []
        if message.symptoms and urgency_rank(conversation.urgency) > urgency_rank(message.urgency):
            earlier = [s.label for s in conversation.present if s.id not in {m.id for m in message.present}]
            parts.append(
                f"Together with what you told me earlier ({', '.join(earlier) or 'the same symptom, again'}): "
                + load_knowledge().urgency_advice[conversation.urgency]
            )
        if message.guidance_text:
            parts.append(message.guidance_text)
        payload = {"triage": {**conversation.as_dict(), "caregiver": reported.caregiver}}
        dispatcher.utter_message(text="\n\n".join(parts) or None, json_message=payload)
        return [
            SlotSet("therapy", therapy_id),
            SlotSet("days_since_treatment", days),
            SlotSet("conversation_urgency", conversation.urgency),
        ]
