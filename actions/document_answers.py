"""Actions that answer questions from the documents, each with its sources."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.triage.answers import Answer, driving_answer, side_effects_answer, topic_answer
from bot.triage.entities import reports_from_entities


def _send(dispatcher: CollectingDispatcher, answer: Answer) -> None:
    dispatcher.utter_message(
        text=answer.text,
        json_message={"sources": [s.as_dict() for s in answer.sources]},
    )


class ActionListSideEffects(Action):
    """ "What side effects does elranatamab have?", "is tremor a side effect?", "what if he has a fit?"."""

    def name(self) -> Text:
        return "action_list_side_effects"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        reported = reports_from_entities(tracker.latest_message.get("entities", []))
        symptom_ids = list(dict.fromkeys(r.symptom_id for r in reported.reports))
        therapy_id = reported.therapy_id or tracker.get_slot("therapy")
        _send(dispatcher, side_effects_answer(therapy_id, symptom_ids, asked_about=reported.asked_about))
        return []


class ActionExplainTopic(Action):
    """ "What is CRS?": the documents' own words for CRS, ICANS, CAR-T and bispecific antibodies."""

    def name(self) -> Text:
        return "action_explain_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        topics = [e["value"] for e in tracker.latest_message.get("entities", []) if e.get("entity") == "topic"]
        _send(dispatcher, topic_answer(topics[0] if topics else tracker.get_slot("topic")))
        return []


class ActionAnswerDriving(Action):
    """ "Can I drive after CAR-T?": the documents' advice on driving and machinery."""

    def name(self) -> Text:
        return "action_answer_driving"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        _send(dispatcher, driving_answer())
        return []
