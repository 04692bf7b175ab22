"""The lexicon: every symptom phrase of the knowledge base, matched on NORM, exactly or with up to
MAX_INSERTED_WORDS words inserted between its words ("heart is beating really fast", "can hardly
breathe"), but never across punctuation or a negation ("muscles don't ache" is not "muscles ache").
A phrase another symptom shares (symptoms.yml, `shared_phrases`) is read as both symptoms."""

from __future__ import annotations

from typing import Dict, Iterable, List, Tuple

import spacy
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from bot.triage.knowledge import Knowledge
from bot.triage.recognition.tokens import Tokens

OBJECT_PLACEHOLDER = "<obj>"
OBJECT_PRONOUNS = ("him", "her", "them", "me")
RED_FLAG = "red"
PLAIN = "plain"
MAX_INSERTED_WORDS = 2


def expand(phrases: Iterable[str]) -> List[str]:
    """`<obj>` as each object pronoun; "its" also as "it's"."""
    expanded = []
    for phrase in phrases:
        variants = (
            [phrase.replace(OBJECT_PLACEHOLDER, p) for p in OBJECT_PRONOUNS]
            if OBJECT_PLACEHOLDER in phrase
            else [phrase]
        )
        for variant in variants:
            expanded.append(variant)
            if " its " in f" {variant} ":
                expanded.append(f" {variant} ".replace(" its ", " it's ").strip())
    return expanded


class SymptomLexicon:
    def __init__(self, tokens: Tokens, knowledge: Knowledge) -> None:
        self.tokens = tokens
        self.exact = PhraseMatcher(tokens.nlp.vocab, attr="NORM")
        self.loose = Matcher(tokens.nlp.vocab)
        negation = knowledge.language["negation"]
        never_inserted = sorted(
            {t.norm_ for phrase in negation["before"] + negation["clause_breaks"] for t in tokens.tokenise(phrase)}
        )
        inserted = {"IS_PUNCT": False, "NORM": {"NOT_IN": never_inserted}, "OP": "?"}
        for symptom in knowledge.symptoms.values():
            for kind, phrases in ((PLAIN, symptom.phrases), (RED_FLAG, symptom.red_flag_phrases)):
                if not phrases:
                    continue
                key = f"{symptom.id}|{kind}"
                docs = tokens.phrase_docs(expand(phrases))
                self.exact.add(key, docs)
                loose = []
                for doc in docs:
                    if len(doc) < 2 or doc[0].norm_ in ("a", "an", "the"):
                        continue
                    pattern = []
                    for index, token in enumerate(doc):
                        if index:
                            pattern.extend([inserted] * MAX_INSERTED_WORDS)
                        pattern.append({"NORM": token.norm_})
                    loose.append(pattern)
                if loose:
                    self.loose.add(key, loose)
        # NORM words of a shared phrase -> the symptoms that share it (beside the one that lists it).
        self.sharers: Dict[Tuple[str, ...], List[str]] = {}
        for symptom in knowledge.symptoms.values():
            for phrase in symptom.shared_phrases:
                norms = tuple(t.norm_ for t in tokens.tokenise(phrase))
                self.sharers.setdefault(norms, []).append(symptom.id)

    def matches(self, doc: Doc) -> List[Tuple[Span, str, bool]]:
        """(span, symptom id, red-flag phrase) for each match, longest first where they overlap."""
        strings = self.tokens.nlp.vocab.strings
        found = list(self.exact(doc)) + list(self.loose(doc))
        spans = [Span(doc, start, end, label=strings[match_id]) for match_id, start, end in found]
        result = []
        for span in spacy.util.filter_spans(spans):
            symptom_id, kind = span.label_.split("|")
            result.append((span, symptom_id, kind == RED_FLAG))
            for sharer in self.sharers.get(tuple(t.norm_ for t in span), ()):
                result.append((Span(doc, span.start, span.end, label=f"{sharer}|{PLAIN}"), sharer, False))
        return result
