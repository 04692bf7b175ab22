"""How a mention is asserted, and which cues (severity, worsening) stand beside it, within its own
clause: in "no fever but I feel confused" fever is negated and confusion is not; in "Not feeling
great, fever of 39" nothing is; in "what if he has a fit?" the fit is hypothetical; in "the fever
broke, now she's muddled" the fever is resolved. The cue lists are data (knowledge/language.yml).

The order is the safe one: a mention is read as a question about the future only in a sentence
that asks something, with a conditional or "what to look for" cue before it; a denial needs a
negation cue that is not a pseudo-negation ("can't stop shaking", "no better"); a resolution needs
a cue after it that is not itself denied ("it hasn't stopped"). Anything else is present.
"""

from __future__ import annotations

from typing import Sequence, Tuple

from spacy.tokens import Doc, Span

from bot.triage.engine import HYPOTHETICAL, NEGATED, PRESENT, RESOLVED
from bot.triage.recognition.tokens import NormSequences, Tokens, sequence_at


class ClauseAssertion:
    def __init__(self, tokens: Tokens, language: dict) -> None:
        negation = language["negation"]
        self.window = negation["window"]
        self.negation_cues = tokens.norm_sequences(negation["before"])
        self.pseudo_negations = tokens.norm_sequences(negation["pseudo"])
        self.pseudo_after = tokens.norm_sequences(negation["pseudo_after"])
        self.persisting_after = tokens.norm_sequences(negation["persisting_after"])
        self.interjection_followers = set(negation["interjection_followers"])
        self.clause_breaks = tokens.norm_sequences(negation["clause_breaks"])
        self.clause_punctuation = set(negation["clause_punctuation"])
        hypothetical = language["hypothetical"]
        self.hypothetical_cues = tokens.norm_sequences(hypothetical["before"])
        self.hypothetical_pseudo = tokens.norm_sequences(hypothetical["pseudo"])
        self.modals = set(hypothetical["modals"])
        self.modal_subjects = tokens.norm_sequences(hypothetical["subjects"])
        self.onset_verbs = set(hypothetical["onset_verbs"])
        self.question_words = set(hypothetical["question_words"])
        self.happening_now = tokens.norm_sequences(hypothetical["now"])
        resolved = language["resolved"]
        self.resolution_cues = tokens.norm_sequences(resolved["after"])
        self.resolution_window = resolved["window"]
        self.resolution_negated_by = set(resolved["negated_by"])
        self.ceased_before = tokens.norm_sequences(resolved["ceased_before"])
        self.ceased_after = tokens.norm_sequences(resolved["ceased_after"])
        self.sentence_end = set(resolved["sentence_end"])

    def assertion(self, doc: Doc, norms: Sequence[str], span: Span, next_mention_start: int) -> str:
        """PRESENT, NEGATED, HYPOTHETICAL or RESOLVED. `next_mention_start` is the first token of
        the next symptom mention (or len(doc)): a resolution cue after it is that one's."""
        if self.is_hypothetical(doc, norms, span):
            return HYPOTHETICAL
        resolved = self.is_resolved(doc, norms, span, next_mention_start)
        if self.is_negated(doc, norms, span):
            # "no more fits since Sunday's one", "no chest pain now": it happened, and stopped.
            return RESOLVED if resolved or self.has_ceased(doc, norms, span) else NEGATED
        return RESOLVED if resolved else PRESENT

    def has_ceased(self, doc: Doc, norms: Sequence[str], span: Span) -> bool:
        """Whether a denied mention is one that stopped: a cessation cue before it in its clause
        ("no longer"), or right after it ("no shakes now")."""
        begin = max(self.clause_start(doc, norms, span.start), span.start - self.window)
        return bool(sequence_at(norms, span.end, self.ceased_after)) or any(
            sequence_at(norms, i, self.ceased_before) for i in range(begin, span.start)
        )

    def sentence_bounds(self, doc: Doc, start: int, end: int) -> Tuple[int, int]:
        begin = start
        while begin > 0 and doc[begin - 1].text not in self.sentence_end:
            begin -= 1
        finish = end
        while finish < len(doc) and doc[finish].text not in self.sentence_end:
            finish += 1
        # The question mark that ends the sentence belongs to it.
        return begin, min(finish + 1, len(doc))

    def is_hypothetical(self, doc: Doc, norms: Sequence[str], span: Span) -> bool:
        sentence_begin, sentence_finish = self.sentence_bounds(doc, span.start, span.end)
        if not any(
            norms[i] in self.question_words or doc[i].text in self.question_words
            for i in range(sentence_begin, sentence_finish)
        ):
            return False
        index = self.clause_start(doc, norms, span.start, breaks=False)
        while index < span.start:
            if sequence_at(norms, index, self.happening_now):
                return False
            pseudo = sequence_at(norms, index, self.hypothetical_pseudo)
            if pseudo:
                index += pseudo
                continue
            if sequence_at(norms, index, self.hypothetical_cues) or self._modal_question_at(norms, index, span.start):
                return not any(sequence_at(norms, i, self.happening_now) for i in range(index, span.start))
            index += 1
        return False

    def _modal_question_at(self, norms: Sequence[str], index: int, limit: int) -> bool:
        """ "can he get", "could she still develop", "will I have": a modal, its subject, then within
        two more words a verb of onset, all before the mention."""
        if norms[index] not in self.modals:
            return False
        subject = sequence_at(norms, index + 1, self.modal_subjects)
        if not subject:
            return False
        verb_from = index + 1 + subject
        return any(norms[i] in self.onset_verbs for i in range(verb_from, min(verb_from + 3, limit)))

    def is_resolved(self, doc: Doc, norms: Sequence[str], span: Span, next_mention_start: int) -> bool:
        end = min(span.end + self.resolution_window, next_mention_start, len(doc))
        index = span.end
        while index < end:
            if doc[index].text in self.sentence_end:
                return False
            cue = sequence_at(norms, index, self.resolution_cues)
            if cue:
                denied = any(norms[i] in self.resolution_negated_by for i in range(max(span.end, index - 2), index))
                if not denied:
                    return True
                index += cue
                continue
            index += 1
        return False

    def clause_start(self, doc: Doc, norms: Sequence[str], start: int, breaks: bool = True) -> int:
        """First token of the clause that contains token `start`; with `breaks` False only
        punctuation ends a clause ("if he gets a fever and shivers" is one condition)."""
        index = start - 1
        while index >= 0:
            if doc[index].text in self.clause_punctuation or norms[index] in self.clause_punctuation:
                return index + 1
            if breaks and sequence_at(norms, index, self.clause_breaks):
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
        end = min(self.clause_end(doc, norms, span.end), span.end + self.window)
        # "never had a headache like this" reports one; "no fits or anything like that" denies.
        never_like_this = any(sequence_at(norms, i, self.pseudo_after) for i in range(span.end, end))
        if any(sequence_at(norms, i, self.persisting_after) for i in range(span.end, end)):
            return False  # the negation is of its stopping: "not once has the headache let up"
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
                if not interjection and not (norms[index] == "never" and never_like_this):
                    return True
                index += cue
                continue
            index += 1
        return False

    def cue_in_clause(self, doc: Doc, norms: Sequence[str], span: Span, cues: NormSequences, window: int) -> bool:
        """Whether one of `cues` stands within `window` words of the span, in its clause."""
        begin = max(self.clause_start(doc, norms, span.start), span.start - window)
        end = min(self.clause_end(doc, norms, span.end), span.end + window)
        return any(sequence_at(norms, i, cues) for i in list(range(begin, span.start)) + list(range(span.end, end)))
