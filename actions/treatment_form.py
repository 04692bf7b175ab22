"""The treatment questions' validation: in an emergency they are not asked.

After "call emergency services now" the one thing to do is call; asking which treatment it was
and when it was given would come between the person and the phone. The structured triage and
agent assist still carry everything reported; the questions are left out for the rest of the
conversation, whose urgency never goes down.
"""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict


class ValidateTreatmentForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_treatment_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        if tracker.get_slot("conversation_urgency") == "emergency":
            return []
        return domain_slots
