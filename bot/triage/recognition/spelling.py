"""Misspelt words mapped onto the knowledge base's vocabulary ("feaver", "confussed", "tremers"),
never common English words onto it ("fewer" is not "fever", "never" is not "fever")."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import FrozenSet, Iterable, Optional

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from spacy.tokens import Doc

# Words below this length are never corrected: too many real words are one letter apart.
MIN_CORRECTABLE_LENGTH = 5
# Words at least this common in English (log probability, spacy-lookups-data) are real words.
COMMON_WORD_LOG_PROB = -15.0


def load_common_words() -> FrozenSet[str]:
    """Common English words (spacy-lookups-data's word probabilities), for the spelling guard."""
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        probabilities = json.load(handle)
    return frozenset(w for w, p in probabilities.items() if p >= COMMON_WORD_LOG_PROB and w.isalpha())


class SpellingNormaliser:
    def __init__(self, vocabulary: Iterable[str], common_words: FrozenSet[str], keep: Iterable[str] = ()) -> None:
        """`keep`: words that are never corrected (the cues' and rules' words) but not corrected towards."""
        self.vocabulary = frozenset(vocabulary)
        self.correctable = sorted(w for w in self.vocabulary if len(w) >= MIN_CORRECTABLE_LENGTH - 1)
        self.common_words = (common_words | frozenset(keep)) - self.vocabulary

    def normalise(self, doc: Doc) -> Doc:
        """Set each misspelt token's NORM to the vocabulary word it is closest to, in place."""
        for token in doc:
            norm = token.norm_
            if (
                len(norm) >= MIN_CORRECTABLE_LENGTH
                and token.is_alpha
                and norm not in self.vocabulary
                and norm not in self.common_words
            ):
                corrected = self.closest_word(norm)
                if corrected:
                    token.norm_ = corrected
        return doc

    def closest_word(self, word: str) -> Optional[str]:
        allowed = 1 if len(word) <= 6 else 2
        candidates = [w for w in self.correctable if w[0] == word[0] and abs(len(w) - len(word)) <= allowed]
        match = process.extractOne(word, candidates, scorer=Levenshtein.distance, score_cutoff=allowed)
        return match[0] if match else None
