"""Which treatment a message names, and how many days ago it was given ("day +5", "kymriah 3 days
ago"); the date words themselves are read by treatment_dates.py."""

from __future__ import annotations

import re
from datetime import date
from typing import List, Optional, Sequence

import spacy
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from bot.triage.knowledge import Knowledge
from bot.triage.recognition.mentions import TherapyMention
from bot.triage.recognition.tokens import Tokens
from bot.triage.recognition.treatment_dates import DAY_NUMBER_PATTERN, days_ago

SENTENCE_SPLIT = re.compile(r"[.!?;\n]+")


class TreatmentReader:
    def __init__(self, tokens: Tokens, knowledge: Knowledge) -> None:
        self.tokens = tokens
        self.matcher = PhraseMatcher(tokens.nlp.vocab, attr="NORM")
        for therapy in knowledge.therapies.values():
            self.matcher.add(therapy.id, tokens.phrase_docs(therapy.names))
        self.treatment_words = tokens.norm_sequences(knowledge.language["timing"]["treatment_words"])

    def therapies(self, doc: Doc) -> List[TherapyMention]:
        strings = self.tokens.nlp.vocab.strings
        spans = [Span(doc, s, e, label=strings[m]) for m, s, e in self.matcher(doc)]
        return [
            TherapyMention(therapy_id=span.label_, text=span.text, start=span.start_char, end=span.end_char)
            for span in spacy.util.filter_spans(spans)
        ]

    def days_since_treatment(self, text: str, therapies: Sequence[TherapyMention]) -> Optional[int]:
        """Days since the treatment, from "day +5", or "3 days ago" in a sentence about the treatment."""
        match = DAY_NUMBER_PATTERN.search(text)
        if match:
            return int(match.group(1) or match.group(2))
        position = 0
        for sentence in SENTENCE_SPLIT.split(text):
            sentence_start = text.find(sentence, position)
            position = sentence_start + len(sentence)
            names_treatment = any(sentence_start <= t.start < position for t in therapies)
            if names_treatment or self.tokens.contains(sentence, self.treatment_words):
                days = days_ago(sentence, date.today())
                if days is not None:
                    return days
        return None
