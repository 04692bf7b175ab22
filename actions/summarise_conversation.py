"""The action that ends a report with a summary of what was reported and the advice given."""

from __future__ import annotations

from datetime import date
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.triage.conversation import STATE_SLOT, add_up, closing_summary


class ActionSummariseConversation(Action):
    """After "nothing else": everything reported in the conversation, and the advice for all of it."""

    def name(self) -> Text:
        return "action_summarise_conversation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        conversation = add_up(tracker.events, tracker.slots, date.today())
        dispatcher.utter_message(text=closing_summary(conversation))
        return [SlotSet(STATE_SLOT, conversation.state.as_slot())]
