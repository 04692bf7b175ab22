"""The action that ends a report with a summary of what was reported and the advice given."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.conversation import accumulate, closing_summary, triage_reported, user_turns


class ActionSummariseConversation(Action):
    """After "nothing else": everything reported in the conversation, and the advice for all of it."""

    def name(self) -> Text:
        return "action_summarise_conversation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        result = triage_reported(accumulate(user_turns(tracker.events)), tracker.get_slot("therapy"))
        dispatcher.utter_message(text=closing_summary(result))
        return []
