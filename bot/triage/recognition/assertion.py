"""Whether a mention is negated, and which cues (severity, worsening) stand beside it, within its
own clause: in "no fever but I feel confused" fever is negated and confusion is not; in "Not
feeling great, fever of 39" nothing is. The cue lists are data (knowledge/language.yml)."""

from __future__ import annotations

from typing import List, Sequence, Tuple

from spacy.tokens import Doc, Span

from bot.triage.recognition.tokens import Tokens, sequence_at


class ClauseAssertion:
    def __init__(self, tokens: Tokens, language: dict) -> None:
        negation = language["negation"]
        self.window = negation["window"]
        self.negation_cues = tokens.norm_sequences(negation["before"])
        self.pseudo_negations = tokens.norm_sequences(negation["pseudo"])
        self.interjection_followers = set(negation["interjection_followers"])
        self.clause_breaks = tokens.norm_sequences(negation["clause_breaks"])
        self.clause_punctuation = set(negation["clause_punctuation"])

    def clause_start(self, doc: Doc, norms: Sequence[str], start: int) -> int:
        """First token of the clause that contains token `start`."""
        index = start - 1
        while index >= 0:
            if doc[index].text in self.clause_punctuation or norms[index] in self.clause_punctuation:
                return index + 1
            if sequence_at(norms, index, self.clause_breaks):
                return index + 1
            index -= 1
        return 0

    def clause_end(self, doc: Doc, norms: Sequence[str], end: int) -> int:
        index = end
        while index < len(doc):
            if doc[index].text in self.clause_punctuation or sequence_at(norms, index, self.clause_breaks):
                return index
            index += 1
        return len(doc)

    def is_negated(self, doc: Doc, norms: Sequence[str], span: Span) -> bool:
        begin = max(self.clause_start(doc, norms, span.start), span.start - self.window)
        index = begin
        while index < span.start:
            pseudo = sequence_at(norms, index, self.pseudo_negations)
            if pseudo:
                index += pseudo
                continue
            cue = sequence_at(norms, index, self.negation_cues)
            if cue:
                follower = norms[index + cue] if index + cue < len(norms) else ""
                interjection = norms[index] == "no" and follower in self.interjection_followers
                if not interjection:
                    return True
                index += cue
                continue
            index += 1
        return False

    def cue_in_clause(
        self, doc: Doc, norms: Sequence[str], span: Span, cues: List[Tuple[str, ...]], window: int
    ) -> bool:
        """Whether one of `cues` stands within `window` words of the span, in its clause."""
        begin = max(self.clause_start(doc, norms, span.start), span.start - window)
        end = min(self.clause_end(doc, norms, span.end), span.end + window)
        return any(sequence_at(norms, i, cues) for i in list(range(begin, span.start)) + list(range(span.end, end)))
