"""Rasa's ResponseSelector (loaded by fast_loading), run only on the messages whose intent is its
retrieval intent.

Its answer is used only when DIET reads the message as `faq` (the rule `faq` → `utter_faq`, data/rules/faq.yml);
on every other message it ran a second TensorFlow model whose choice nobody read: about a fifth of
NLU's time per message (issue 16, docs/performance.md). DIET runs before it in config.yml, so the
intent it reads is DIET's; the symptom recogniser, after it, may only turn a message into a report.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.server.components.fast_loading import FastLoadingResponseSelector


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RetrievalOnlyResponseSelector(FastLoadingResponseSelector):
    def process(self, messages: List[Message]) -> List[Message]:
        asked = [m for m in messages if (m.get(INTENT) or {}).get(INTENT_NAME_KEY) == self.retrieval_intent]
        if asked:
            super().process(asked)
        return messages
