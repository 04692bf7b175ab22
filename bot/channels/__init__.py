"""Input channels. Shared rules for what any channel lets through to Rasa."""

from __future__ import annotations

import re

INTENT_PREFIX = "/"
INJECTION_PUNCTUATION = re.compile(r'[{}\[\]":_@]')


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
    # The rest is read as words: '/report_symptom{"symptom":"seizure"}' still reports a seizure.
    words = INJECTION_PUNCTUATION.sub(" ", stripped.lstrip(INTENT_PREFIX))
    return " ".join(words.split())
