"""The treatment questions' validation: they are asked only when the conversation may ask a
question (bot.triage.conversation.may_ask_a_question: not in an emergency). The structured triage
and agent assist still carry everything reported; the questions are left out for the rest of the
conversation, whose urgency never goes down.
"""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot.triage.conversation import URGENCY_SLOT, may_ask_a_question


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
        if not may_ask_a_question(tracker.get_slot(URGENCY_SLOT)):
            return []
        return domain_slots
