"""Recognise a message written in Spanish or French, so it can be answered in that language.

A word-list check, not a model: the assistant only needs to tell these two languages from
English well enough to say, in the person's language, that it works in English and where to get
help. The lists live in bot/triage/knowledge/language.yml.
"""

from __future__ import annotations

import re
from typing import Optional

from bot.triage.knowledge import Knowledge, load_knowledge

WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def detect_other_language(text: str, knowledge: Optional[Knowledge] = None) -> Optional[str]:
    """ "es" or "fr" when the message reads as Spanish or French, else None."""
    settings = (knowledge or load_knowledge()).language["other_languages"]
    words = [w.lower() for w in WORD.findall(text.replace("’", "'"))]
    if not words:
        return None
    best, best_hits = None, 0
    for language in ("es", "fr"):
        vocabulary = set(settings[language])
        hits = sum(w in vocabulary for w in words)
        if hits > best_hits:
            best, best_hits = language, hits
    if best_hits >= settings["min_hits"] and best_hits / len(words) >= settings["min_share"]:
        return best
    return None
