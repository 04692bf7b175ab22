"""Input channels. Shared rules for what any channel lets through to Rasa."""

from __future__ import annotations

import re

from bot.server import patches

# Rasa imports this package when it loads the channels of credentials.yml, before any message,
# and after it has configured its logging.
patches.install_process_patches()

INTENT_PREFIX = "/"
INJECTION_PUNCTUATION = re.compile(r'[{}\[\]":_@]')
HARMLESS_INTENTS = frozenset(f"{INTENT_PREFIX}{intent}" for intent in ("greet", "goodbye", "affirm", "deny", "thank"))


def neutralise_intent_injection(text: str) -> str:
    """Strip Rasa's "/intent{...}" prefix, so the message goes through NLU like any other.

    Rasa treats a message starting with "/" as a ready-made intent and skips NLU, so
    "/report_symptom{\"symptom\": \"headache\"}" would bypass symptom recognition and
    "/greet" would hide "my husband had a seizure" typed after it. Without the slash the text
    is classified, and its symptoms recognised, like anything else anyone types.
    """
    stripped = text.lstrip()
    if not stripped.startswith(INTENT_PREFIX):
        return text
    if stripped.rstrip() in HARMLESS_INTENTS:
        # A bare small-talk intent (a widget's opening "/greet", a quick-reply button) carries
        # no entities and no words to miss, so Rasa may read it as the intent it names.
        return stripped.rstrip()
    # The rest is read as words: '/report_symptom{"symptom":"seizure"}' still reports a seizure.
    words = INJECTION_PUNCTUATION.sub(" ", stripped.lstrip(INTENT_PREFIX))
    return " ".join(words.split())
