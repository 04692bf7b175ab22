"""Symptom recognition: rule-based matching with spaCy, built from the knowledge base.

No pretrained model is used (none can be downloaded here, and rules built from the documents'
vocabulary can be reviewed like the documents). The pipeline is `spacy.blank("en")`'s tokenizer,
a spelling normaliser that maps misspelt words ("feaver", "confussed") to the knowledge base's
vocabulary, and a PhraseMatcher on NORM, so that case and contractions ("cant", "can't",
"cannot") do not matter. Negation reaches only within the symptom's own clause: in "no fever but
I feel confused" fever is negated and confusion is not; in "Not feeling great, fever of 39"
nothing is negated.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

import spacy
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from bot.triage.engine import SymptomReport
from bot.triage.knowledge import Knowledge, load_knowledge, most_specific_therapy
from bot.triage.recognition.treatment_dates import DAY_NUMBER_PATTERN, days_ago

OBJECT_PLACEHOLDER = "<obj>"
OBJECT_PRONOUNS = ("him", "her", "them", "me")
# "he's", "he’s" and "hes" all end in a token normalised to "s"; "its" in a phrase also matches "it's".
APOSTROPHE_S = ("'s", "’s")
RED_FLAG = "red"
PLAIN = "plain"
# Words below this length are never spelling-corrected: too many real words are one letter apart.
MIN_CORRECTABLE_LENGTH = 5
# A multi-word phrase still matches with up to this many words inserted between its words
# ("heart is beating really fast", "can hardly breathe"), but never across punctuation or a
# negation ("muscles don't ache" is not "muscles ache").
MAX_INSERTED_WORDS = 2
# Words at least this common in English (log probability, spacy-lookups-data) are real words,
# never "corrected" into a symptom: "fewer" is not "fever", "never" is not "fever".
COMMON_WORD_LOG_PROB = -15.0

TEMPERATURE_PATTERN = re.compile(
    r"(?<![\d.,/])(\d{2,3}(?:[.,]\d{1,2})?)\s*(°|º|deg(?:rees?|s)?)?\s*([cCfF](?:elsius|ahrenheit)?)?(?![\w/])"
)
SENTENCE_SPLIT = re.compile(r"[.!?;\n]+")


@dataclass(frozen=True)
class Temperature:
    text: str
    start: int
    end: int
    value: float
    unit: str  # "C" or "F"

    @property
    def celsius(self) -> float:
        return round(self.value if self.unit == "C" else (self.value - 32) * 5 / 9, 1)

    def display(self) -> str:
        """How a care team writes it: the reading as given, with the Celsius value for F."""
        if self.unit == "C":
            return f"{self.value:g} C"
        return f"{self.value:g} F ({self.celsius:g} C)"


@dataclass(frozen=True)
class Mention:
    """A symptom found in the text, with its character offsets."""

    symptom_id: str
    text: str
    start: int
    end: int
    negated: bool
    red_flag: bool
    value: Optional[str] = None
    worse: bool = False

    def as_report(self) -> SymptomReport:
        return SymptomReport(
            symptom_id=self.symptom_id,
            negated=self.negated,
            red_flag=self.red_flag,
            text=self.text,
            value=self.value,
            worse=self.worse,
        )


@dataclass(frozen=True)
class TherapyMention:
    therapy_id: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Extraction:
    mentions: Tuple[Mention, ...]
    temperatures: Tuple[Temperature, ...]
    therapies: Tuple[TherapyMention, ...]
    days_since_treatment: Optional[int]
    caregiver: bool

    @property
    def readings(self) -> Tuple[str, ...]:
        return tuple(t.display() for t in self.temperatures)

    @property
    def reports(self) -> List[SymptomReport]:
        return [m.as_report() for m in self.mentions]

    @property
    def therapy_id(self) -> Optional[str]:
        """The most specific therapy named: a product beats "CAR-T" or "bispecific"."""
        return most_specific_therapy([t.therapy_id for t in self.therapies])

    def present_ids(self) -> Set[str]:
        return {m.symptom_id for m in self.mentions if not m.negated}

    def negated_ids(self) -> Set[str]:
        present = self.present_ids()
        return {m.symptom_id for m in self.mentions if m.negated and m.symptom_id not in present}


def load_common_words() -> FrozenSet[str]:
    """Common English words (spacy-lookups-data's word probabilities), for the spelling guard."""
    from pathlib import Path

    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        probabilities = json.load(handle)
    return frozenset(w for w, p in probabilities.items() if p >= COMMON_WORD_LOG_PROB and w.isalpha())


class SymptomExtractor:
    """Finds symptoms, temperatures, therapies and timing in one message."""

    def __init__(self, knowledge: Optional[Knowledge] = None, common_words: Optional[FrozenSet[str]] = None):
        self.knowledge = knowledge or load_knowledge()
        self.language = self.knowledge.language
        self.nlp = spacy.blank("en")
        self.symptom_matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
        self.loose_symptom_matcher = Matcher(self.nlp.vocab)
        self.therapy_matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
        self.caregiver_matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
        self.vocabulary: Set[str] = set()
        negation = self.language["negation"]
        self._add_symptom_patterns(negation)
        for therapy in self.knowledge.therapies.values():
            self.therapy_matcher.add(therapy.id, self._docs(therapy.names))
        self.caregiver_matcher.add("caregiver", self._docs(self.language["caregiver"]["phrases"]))
        self.correctable = sorted(w for w in self.vocabulary if len(w) >= MIN_CORRECTABLE_LENGTH - 1)
        self.common_words = (common_words if common_words is not None else load_common_words()) - self.vocabulary
        self.negation_cues = self._norm_sequences(negation["before"])
        self.pseudo_negations = self._norm_sequences(negation["pseudo"])
        self.interjection_followers = set(negation["interjection_followers"])
        self.clause_breaks = self._norm_sequences(negation["clause_breaks"])
        self.clause_punctuation = set(negation["clause_punctuation"])
        self.severity_cues = self._norm_sequences(self.language["severity"]["before"])
        self.worsening_cues = self._norm_sequences(self.language["worsening"]["words"])
        self.treatment_words = self._norm_sequences(self.language["timing"]["treatment_words"])
        self.temperature_cues = self._norm_sequences(self.language["temperature"]["cues"])
        self.not_temperature_units = set(self.language["temperature"]["not_followed_by"])
        self.question_words = set(self.language["question"]["first_words"])

    # --- building -------------------------------------------------------------------------

    def _docs(self, phrases: Iterable[str]) -> List[Doc]:
        docs = []
        for phrase in phrases:
            doc = self._tokenise(phrase)
            docs.append(doc)
            self.vocabulary.update(t.norm_ for t in doc if t.is_alpha)
        return docs

    def _expand(self, phrases: Iterable[str]) -> List[str]:
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

    def _add_symptom_patterns(self, negation: dict) -> None:
        never_inserted = sorted(
            {t.norm_ for phrase in negation["before"] + negation["clause_breaks"] for t in self._tokenise(phrase)}
        )
        inserted = {"IS_PUNCT": False, "NORM": {"NOT_IN": never_inserted}, "OP": "?"}
        for symptom in self.knowledge.symptoms.values():
            for kind, phrases in ((PLAIN, symptom.phrases), (RED_FLAG, symptom.red_flag_phrases)):
                if not phrases:
                    continue
                key = f"{symptom.id}|{kind}"
                docs = self._docs(self._expand(phrases))
                self.symptom_matcher.add(key, docs)
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
                    self.loose_symptom_matcher.add(key, loose)

    def _norm_sequences(self, phrases: Iterable[str]) -> List[Tuple[str, ...]]:
        sequences = {tuple(t.norm_ for t in self._tokenise(p)) for p in phrases}
        return sorted(sequences, key=len, reverse=True)

    # --- text to doc ----------------------------------------------------------------------

    def _tokenise(self, text: str) -> Doc:
        doc = self.nlp.make_doc(text)
        for token in doc:
            if token.norm_ in APOSTROPHE_S:
                token.norm_ = "s"
        return doc

    def make_doc(self, text: str) -> Doc:
        """Tokenise and map misspelt words onto the knowledge base's vocabulary (token NORM)."""
        doc = self._tokenise(text)
        for token in doc:
            norm = token.norm_
            if (
                len(norm) >= MIN_CORRECTABLE_LENGTH
                and token.is_alpha
                and norm not in self.vocabulary
                and norm not in self.common_words
            ):
                corrected = self._closest_word(norm)
                if corrected:
                    token.norm_ = corrected
        return doc

    def _closest_word(self, word: str) -> Optional[str]:
        allowed = 1 if len(word) <= 6 else 2
        candidates = [w for w in self.correctable if w[0] == word[0] and abs(len(w) - len(word)) <= allowed]
        match = process.extractOne(word, candidates, scorer=Levenshtein.distance, score_cutoff=allowed)
        return match[0] if match else None

    # --- clause logic ---------------------------------------------------------------------

    @staticmethod
    def _sequence_at(norms: Sequence[str], index: int, sequences: Iterable[Tuple[str, ...]]) -> int:
        """Length of the first sequence that starts at `index`, else 0."""
        for sequence in sequences:
            if tuple(norms[index : index + len(sequence)]) == sequence:
                return len(sequence)
        return 0

    def _clause_start(self, doc: Doc, norms: Sequence[str], start: int) -> int:
        """First token of the clause that contains token `start`."""
        index = start - 1
        while index >= 0:
            if doc[index].text in self.clause_punctuation or norms[index] in self.clause_punctuation:
                return index + 1
            if self._sequence_at(norms, index, self.clause_breaks):
                return index + 1
            index -= 1
        return 0

    def _clause_end(self, doc: Doc, norms: Sequence[str], end: int) -> int:
        index = end
        while index < len(doc):
            if doc[index].text in self.clause_punctuation or self._sequence_at(norms, index, self.clause_breaks):
                return index
            index += 1
        return len(doc)

    def _is_negated(self, doc: Doc, norms: Sequence[str], span: Span) -> bool:
        window = self.language["negation"]["window"]
        begin = max(self._clause_start(doc, norms, span.start), span.start - window)
        index = begin
        while index < span.start:
            pseudo = self._sequence_at(norms, index, self.pseudo_negations)
            if pseudo:
                index += pseudo
                continue
            cue = self._sequence_at(norms, index, self.negation_cues)
            if cue:
                follower = norms[index + cue] if index + cue < len(norms) else ""
                interjection = norms[index] == "no" and follower in self.interjection_followers
                if not interjection:
                    return True
                index += cue
                continue
            index += 1
        return False

    def _in_clause(self, doc: Doc, norms: Sequence[str], span: Span, cues, window: int) -> bool:
        """Whether one of `cues` stands within `window` words of the span, in its clause."""
        begin = max(self._clause_start(doc, norms, span.start), span.start - window)
        end = min(self._clause_end(doc, norms, span.end), span.end + window)
        return any(
            self._sequence_at(norms, i, cues) for i in list(range(begin, span.start)) + list(range(span.end, end))
        )

    # --- extraction -----------------------------------------------------------------------

    def extract(self, text: str) -> Extraction:
        doc = self.make_doc(text)
        norms = [t.norm_ for t in doc]
        temperatures = self._temperatures(text)
        mentions = self._symptom_mentions(doc, norms) + self._fever_from_temperatures(temperatures)
        therapies = self._therapies(doc)
        return Extraction(
            mentions=tuple(sorted(mentions, key=lambda m: m.start)),
            temperatures=tuple(temperatures),
            therapies=tuple(therapies),
            days_since_treatment=self._days_since_treatment(text, therapies),
            caregiver=bool(self.caregiver_matcher(doc)),
        )

    def is_phrased_as_question(self, text: str) -> bool:
        """A question mark, or a question word first ("what", "is", "can"...)."""
        if "?" in text:
            return True
        words = [t.norm_ for t in self._tokenise(text) if t.is_alpha]
        return bool(words) and words[0] in self.question_words

    def _symptom_mentions(self, doc: Doc, norms: Sequence[str]) -> List[Mention]:
        matches = list(self.symptom_matcher(doc)) + list(self.loose_symptom_matcher(doc))
        spans = [Span(doc, start, end, label=self.nlp.vocab.strings[match_id]) for match_id, start, end in matches]
        mentions = []
        for span in spacy.util.filter_spans(spans):
            symptom_id, kind = span.label_.split("|")
            symptom = self.knowledge.symptoms[symptom_id]
            negated = self._is_negated(doc, norms, span)
            severe = symptom.severe_is_red_flag and self._in_clause(
                doc, norms, span, self.severity_cues, self.language["severity"]["window"]
            )
            worse = self._in_clause(doc, norms, span, self.worsening_cues, self.language["worsening"]["window"])
            mentions.append(
                Mention(
                    symptom_id=symptom_id,
                    text=span.text,
                    start=span.start_char,
                    end=span.end_char,
                    negated=negated,
                    red_flag=(kind == RED_FLAG or severe) and not negated,
                    worse=worse and not negated,
                )
            )
        return mentions

    def _temperatures(self, text: str) -> List[Temperature]:
        settings = self.language["temperature"]
        low_c, high_c = settings["celsius_range"]
        low_f, high_f = settings["fahrenheit_range"]
        found = []
        for match in TEMPERATURE_PATTERN.finditer(text):
            number, degree, unit = match.group(1), match.group(2), match.group(3)
            value = float(number.replace(",", "."))
            following = text[match.end() :].split()[:1]
            if following and following[0].lower().strip(".,!?") in self.not_temperature_units:
                continue
            explicit = bool(degree or unit)
            has_decimal = "." in number or "," in number
            if not (explicit or has_decimal or self._has_temperature_cue(text[: match.start()])):
                continue
            if unit:
                scale = unit[0].upper()
            elif low_c <= value <= high_c:
                scale = "C"
            elif low_f <= value <= high_f:
                scale = "F"
            else:
                continue
            valid_range = (low_c, high_c) if scale == "C" else (low_f, high_f)
            if not valid_range[0] <= value <= valid_range[1]:
                continue
            found.append(
                Temperature(
                    text=match.group(0).strip(),
                    start=match.start(),
                    end=match.start() + len(match.group(0).strip()),
                    value=value,
                    unit=scale,
                )
            )
        return found

    def _has_temperature_cue(self, before: str) -> bool:
        window = self.language["temperature"]["window"]
        norms = [t.norm_ for t in self.make_doc(before)][-window:]
        return any(self._sequence_at(norms, i, self.temperature_cues) for i in range(len(norms)))

    def _fever_from_temperatures(self, temperatures: Sequence[Temperature]) -> List[Mention]:
        threshold = self.language["temperature"]["fever_celsius"]
        return [
            Mention(
                symptom_id="fever",
                text=t.text,
                start=t.start,
                end=t.end,
                negated=False,
                red_flag=False,
                value=t.display(),
            )
            for t in temperatures
            if t.celsius >= threshold
        ]

    def _therapies(self, doc: Doc) -> List[TherapyMention]:
        spans = [Span(doc, s, e, label=self.nlp.vocab.strings[m]) for m, s, e in self.therapy_matcher(doc)]
        return [
            TherapyMention(therapy_id=span.label_, text=span.text, start=span.start_char, end=span.end_char)
            for span in spacy.util.filter_spans(spans)
        ]

    def _days_since_treatment(self, text: str, therapies: Sequence[TherapyMention]) -> Optional[int]:
        """Days since the treatment, from "day +5", or "3 days ago" in a sentence about the treatment."""
        match = DAY_NUMBER_PATTERN.search(text)
        if match:
            return int(match.group(1) or match.group(2))
        position = 0
        for sentence in SENTENCE_SPLIT.split(text):
            sentence_start = text.find(sentence, position)
            position = sentence_start + len(sentence)
            names_treatment = any(sentence_start <= t.start < position for t in therapies) or self._mentions_treatment(
                sentence
            )
            if names_treatment:
                days = days_ago(sentence, date.today())
                if days is not None:
                    return days
        return None

    def _mentions_treatment(self, sentence: str) -> bool:
        norms = [t.norm_ for t in self._tokenise(sentence)]
        return any(self._sequence_at(norms, i, self.treatment_words) for i in range(len(norms)))


@functools.lru_cache(maxsize=1)
def shared_extractor() -> SymptomExtractor:
    """One extractor per process, for the NLU component and the input guard alike: building one
    loads the spelling lexicon, which takes seconds and a few hundred MB at its peak."""
    return SymptomExtractor()
