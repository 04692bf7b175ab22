"""Rasa graph component: the knowledge base's rule-based symptom recognition, inside the NLU pipeline.

It runs after DIET and the FallbackClassifier and adds its entities beside DIET's. It is also the
NLU's safety net: a red flag, or a symptom said in a message that DIET took for small talk
("hi, my wife just collapsed", "ok thanks, he's shaking now"), makes the intent report_symptom,
because a missed symptom is worse than an extra question. It also writes the message's triage
urgency as an entity, so that the urgency slot, and with it the advice, is set inside Rasa
without the action server.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.triage.engine import CRISIS, UNCLEAR, triage
from bot.triage.entities import extraction_to_entities
from bot.triage.recognition.extractor import SymptomExtractor, shared_extractor
from bot.triage.recognition.language import detect_other_language

REPORT_SYMPTOM = "report_symptom"
OTHER_LANGUAGE = "other_language"
# "What if he has a fit?", with nothing reported: answered as a question about what to watch for.
ASK_WHAT_TO_WATCH = "ask_what_to_watch"
# Intents under which a symptom (present or denied) is still a report: small talk, answers (to
# "anything else?", to the treatment questions), and requests the assistant declines. Questions
# (what is CRS, which side effects, driving) keep their intent unless a red flag is present, or a
# symptom is present and the message is not phrased as a question.
INTENTS_THAT_YIELD_TO_SYMPTOMS = {
    "greet",
    "goodbye",
    "affirm",
    "deny",
    "thank",
    "no_symptoms",
    "out_of_scope",
    "nlu_fallback",
    "bot_challenge",
    "request_diagnosis",
    "ask_medication_advice",
    "inform_treatment",
    "skip_question",
}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class SymptomEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds symptom, temperature, therapy, timing, reporter and urgency entities."""

    def __init__(self, extractor: SymptomExtractor) -> None:
        self.extractor = extractor

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SymptomEntityExtractor":
        return cls(shared_extractor())

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training data is left as written: DIET learns intents, not these rules."""
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process_message(message)
        return messages

    def _process_message(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        extraction = self.extractor.extract(text)
        result = triage(
            extraction.reports,
            extraction.therapy_id,
            extraction.days_since_treatment,
            extraction.readings,
            emergency_described=extraction.emergency_described,
        )
        intent = (message.get(INTENT) or {}).get("name")
        recognised = bool(result.symptoms or extraction.temperatures or result.emergency_described)
        has_red_flag = any(s.red_flag for s in result.present) or result.emergency_described
        # "no rash and no swelling": denied symptoms are a report too, recorded for the care team.
        # But what only the learned layer read does not turn a question into a report: it reads
        # the topic of "can I give him tylenol?" as a fever. Words the rules read do ("he's 39, can
        # I give him tylenol?"), and an emergency it reads still overrides any intent.
        asked = self.extractor.is_phrased_as_question(text)
        read_by_rules = any(m.text for m in extraction.mentions) or bool(extraction.temperatures)
        yields = intent in INTENTS_THAT_YIELD_TO_SYMPTOMS and (read_by_rules or not asked)
        # A question intent for a message that states a symptom and asks nothing: DIET is unsure,
        # and a missed symptom is worse than an extra question.
        stated_not_asked = intent != REPORT_SYMPTOM and bool(result.present) and not asked
        # "he seems off", "she's just not right today, no temp": unwell, in words that name no
        # symptom (a denial or a normal reading beside them reports none), and not asked as a question.
        unwell_stated = (
            extraction.unwell_described and not result.present and not result.emergency_described and not asked
        )
        if has_red_flag or (recognised and yields) or stated_not_asked or unwell_stated:
            self._set_intent(message, REPORT_SYMPTOM)
            intent = REPORT_SYMPTOM
        elif extraction.hypothetical_ids() and not recognised and (yields or intent == REPORT_SYMPTOM):
            self._set_intent(message, ASK_WHAT_TO_WATCH)
            intent = ASK_WHAT_TO_WATCH
        language = None if has_red_flag else detect_other_language(text)
        if language:
            # Answered in that language with the care-team and emergency advice.
            self._set_intent(message, OTHER_LANGUAGE)
            intent = OTHER_LANGUAGE
        urgency: Optional[str] = None
        if intent == REPORT_SYMPTOM:
            urgency = (CRISIS if result.crisis else result.urgency) if recognised and not unwell_stated else UNCLEAR
        entities = message.get(ENTITIES, []) + extraction_to_entities(extraction, urgency, text)
        if language:
            entities.append(
                {
                    "entity": "language",
                    "value": language,
                    "start": 0,
                    "end": len(text),
                    "confidence_entity": 1.0,
                    "extractor": type(self).__name__,
                }
            )
        message.set(ENTITIES, entities, add_to_output=True)

    @staticmethod
    def _set_intent(message: Message, intent_name: str) -> None:
        message.set(INTENT, {"name": intent_name, "confidence": 1.0}, add_to_output=True)
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent_name]
        message.set(INTENT_RANKING_KEY, [{"name": intent_name, "confidence": 1.0}] + ranking, add_to_output=True)
