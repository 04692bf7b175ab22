"""Compositional rules (knowledge/compositions.yml): a body part and what happened to it, near each
other in one clause, in either order ("her top lip has ballooned", "left arm's gone dead"), so
that combinations nobody listed are still found. The phrase lists stay the precise layer: a
composition is only added where no phrase matched."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

from spacy.tokens import Doc, Span

from bot.triage.knowledge import Knowledge
from bot.triage.recognition.tokens import NormSequences, Tokens, sequence_at

# The label of a span that says a part is normal ("breathing's fine"): it denies the symptom.
NORMAL_STATE = "normal_state"
# ... and of one whose normal state is itself denied ("breathing isn't right"): a report.
NORMAL_STATE_DENIED = "normal_state_denied"
# ... of a part and a change with a negation between them ("lips aren't swollen"): a denial.
NEGATED_INSIDE = "negated_inside"
# ... of a word that names a symptom only when denied ("no temp", "hasn't had any fits"): kept
# only if the mention is read as denied ("temp 37.2" is no fever, and "had a fit" is the lexicon's).
DENIAL_ONLY = "denial_only"
# How far before the change word a negation may stand in a `negated_first` rule ("didn't really know").
NEGATION_REACH = 2


@dataclass(frozen=True)
class CompositionRule:
    symptom_id: str
    red_flag: bool
    parts: NormSequences
    changes: NormSequences
    sides: NormSequences
    window: int
    negated_first: bool
    normal_state: bool
    denial_only: bool
    crosses: NormSequences


class CompositionalRules:
    def __init__(self, tokens: Tokens, knowledge: Knowledge) -> None:
        negation = knowledge.language["negation"]
        self.negation_cues = tokens.norm_sequences(negation["before"])
        self.pseudo_negations = tokens.norm_sequences(negation["pseudo"])
        self.clause_punctuation = set(negation["clause_punctuation"])
        self.clause_breaks = tokens.norm_sequences(negation["clause_breaks"])
        self.rules = [
            CompositionRule(
                symptom_id=rule["symptom"],
                red_flag=bool(rule["red_flag"]),
                parts=tokens.norm_sequences(rule["parts"]),
                changes=tokens.norm_sequences(rule.get("changes", [])),
                sides=tokens.norm_sequences(rule.get("sides", [])),
                window=rule["window"],
                negated_first=bool(rule.get("negated_first")),
                normal_state=rule.get("reads_as") == "denied",
                denial_only=rule.get("reads_as") == "denial_only",
                crosses=tokens.norm_sequences(rule.get("crosses", [])),
            )
            for rule in knowledge.compositions
        ]

    def matches(self, doc: Doc) -> List[Tuple[Span, str, bool]]:
        """(span, symptom id, red flag) for each rule that matches, its span from the first word to
        the last (from the negation, for a `negated_first` rule), labelled with how to read it:
        NORMAL_STATE, NORMAL_STATE_DENIED, NEGATED_INSIDE, DENIAL_ONLY, or "" (as the clause says)."""
        norms = [t.norm_ for t in doc]
        found = []
        for rule in self.rules:
            if rule.denial_only:
                found += [
                    (Span(doc, start, end, label=DENIAL_ONLY), rule.symptom_id, False)
                    for start, end in _occurrences(norms, rule.parts)
                ]
                continue
            parts = _occurrences(norms, rule.parts)
            changes = _occurrences(norms, rule.changes)
            for change_start, change_end in changes:
                negation_start = self._negation_before(norms, change_start) if rule.negated_first else None
                if rule.negated_first and negation_start is None:
                    continue
                for part_start, part_end in parts:
                    start, end = min(part_start, change_start), max(part_end, change_end)
                    if end - start > rule.window + (part_end - part_start) + (change_end - change_start):
                        continue
                    if rule.negated_first:
                        if part_start < change_end:
                            continue  # "me didn't know" is no order people write in
                        start = negation_start

                    words = ((part_start, part_end), (change_start, change_end))
                    if self._crosses_clause(doc, norms, start, end, rule.crosses, words):
                        continue
                    if rule.sides and not self._side_near(norms, start, end, rule):
                        continue
                    gap = (min(part_end, change_end), max(part_start, change_start))
                    negated_inside = not rule.negated_first and self._negated_between(
                        norms, *gap, pseudo=not rule.normal_state
                    )
                    if rule.normal_state:
                        label = NORMAL_STATE_DENIED if negated_inside else NORMAL_STATE
                    else:
                        label = NEGATED_INSIDE if negated_inside else ""
                    found.append((Span(doc, start, end, label=label), rule.symptom_id, rule.red_flag))
        return found

    def _negation_before(self, norms: Sequence[str], index: int):
        for start in range(max(0, index - NEGATION_REACH), index):
            if sequence_at(norms, start, self.negation_cues):
                return start
        return None

    def _negated_between(self, norms: Sequence[str], start: int, end: int, pseudo: bool = True) -> bool:
        """A negation cue between the two words, other than inside a pseudo-negation ("feet haven't
        stopped swelling" is no denial) when `pseudo`; a normal state's negation is its report
        ("breathing isn't right"), whatever follows it."""
        index = start
        while index < end:
            pseudo_length = sequence_at(norms, index, self.pseudo_negations) if pseudo else 0
            if pseudo_length:
                index += pseudo_length
                continue
            if sequence_at(norms, index, self.negation_cues):
                return True
            index += 1
        return False

    def _crosses_clause(
        self,
        doc: Doc,
        norms: Sequence[str],
        start: int,
        end: int,
        allowed: NormSequences,
        words: Sequence[Tuple[int, int]],
    ) -> bool:
        """Punctuation or a clause break ("but", "and") between the two words, other than `allowed`;
        not inside the rule's own words ("again and again")."""
        return any(
            doc[i].text in self.clause_punctuation
            or (i > start and sequence_at(norms, i, self.clause_breaks) and not sequence_at(norms, i, allowed))
            for i in range(start, end)
            if not any(word_start < i < word_end for word_start, word_end in words)
        )

    def _side_near(self, norms: Sequence[str], start: int, end: int, rule: CompositionRule) -> bool:
        """One of the rule's `sides` within its window of the span, and not denied by a negation
        outside the span ("a terrible headache but she's not confused")."""
        begin, finish = max(0, start - rule.window), min(len(norms), end + rule.window)
        for index in range(begin, finish):
            if sequence_at(norms, index, rule.sides):
                negation = self._negation_before(norms, index)
                if negation is None or start <= negation < end:
                    return True
        return False


def _occurrences(norms: Sequence[str], sequences: NormSequences) -> List[Tuple[int, int]]:
    spans = []
    for index in range(len(norms)):
        length = sequence_at(norms, index, sequences)
        if length:
            spans.append((index, index + length))
    return spans
