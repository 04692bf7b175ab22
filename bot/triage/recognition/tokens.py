"""Tokens as every recogniser reads them: spaCy's blank English tokenizer, matched on NORM (so case
and contractions do not matter: "cant", "can't", "cannot"), with "'s" read as "s"."""

from __future__ import annotations

from typing import Dict, Iterable, List, Sequence, Set, Tuple

import spacy
from spacy.tokens import Doc

# "he's", "he’s" and "hes" all end in a token normalised to "s"; "its" in a phrase also matches "it's".
APOSTROPHE_S = ("'s", "’s")


class Tokens:
    """The tokenizer and vocabulary shared by the matchers, the spelling normaliser and assertion."""

    def __init__(self) -> None:
        self.nlp = spacy.blank("en")
        # Every word of every phrase the matchers know: spelling corrects towards these only.
        self.vocabulary: Set[str] = set()
        # Every word of the cues and compositional rules: never corrected ("spidery" is not a
        # misspelt "shivery"), though spelling does not correct towards them.
        self.cue_words: Set[str] = set()

    def tokenise(self, text: str) -> Doc:
        doc = self.nlp.make_doc(text)
        for token in doc:
            if token.norm_ in APOSTROPHE_S:
                token.norm_ = "s"
        return doc

    def phrase_docs(self, phrases: Iterable[str]) -> List[Doc]:
        """Docs for a matcher's phrases; their words join the vocabulary."""
        docs = []
        for phrase in phrases:
            doc = self.tokenise(phrase)
            docs.append(doc)
            self.vocabulary.update(t.norm_ for t in doc if t.is_alpha)
        return docs

    def norm_sequences(self, phrases: Iterable[str]) -> "NormSequences":
        """Cue phrases as NORM sequences, longest first; their words join `cue_words`."""
        sequences = NormSequences(tuple(t.norm_ for t in self.tokenise(p)) for p in phrases)
        self.cue_words.update(word for sequence in sequences for word in sequence)
        return sequences

    def contains(self, text: str, sequences: "NormSequences") -> bool:
        norms = [t.norm_ for t in self.tokenise(text)]
        return any(sequence_at(norms, i, sequences) for i in range(len(norms)))


class NormSequences(tuple):
    """NORM sequences, longest first, indexed by their first word: finding one at a position looks
    only at those that start with the word there, so that the rules' cost does not grow with the
    number of phrases they list (each message is scanned at every position for every rule)."""

    def __new__(cls, sequences: Iterable[Tuple[str, ...]]) -> "NormSequences":
        ordered = super().__new__(cls, sorted(set(sequences), key=len, reverse=True))
        ordered.by_first: Dict[str, List[Tuple[str, ...]]] = {}
        for sequence in ordered:
            if sequence:
                ordered.by_first.setdefault(sequence[0], []).append(sequence)
        return ordered


def sequence_at(norms: Sequence[str], index: int, sequences: NormSequences) -> int:
    """Length of the first (longest) of `sequences` that starts at `index`, else 0."""
    if index >= len(norms):
        return 0
    for sequence in sequences.by_first.get(norms[index], ()):
        if tuple(norms[index : index + len(sequence)]) == sequence:
            return len(sequence)
    return 0
