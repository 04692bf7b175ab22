"""Symptom recognition: one message in, an Extraction out, built from the knowledge base.

No pretrained model (none can be downloaded here, and rules built from the documents' vocabulary
can be reviewed like the documents). Each concern has its module: tokens (spaCy's blank English
tokenizer, NORM), spelling (misspellings onto the vocabulary), matching (the symptom lexicon),
assertion (negation and cues within the clause), readings (temperatures), vitals (oxygen, pulse,
blood pressure, breathing rate, low temperatures), treatment (therapy and timing), language
(Spanish and French). This module puts them together.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import FrozenSet, List, Optional, Sequence, Tuple

import spacy
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from bot.triage.engine import HYPOTHETICAL, NEGATED, PRESENT, RESOLVED
from bot.triage.knowledge import Knowledge, load_knowledge
from bot.triage.recognition.assertion import ClauseAssertion
from bot.triage.recognition.compositions import (
    DENIAL_ONLY,
    NEGATED_INSIDE,
    NORMAL_STATE,
    NORMAL_STATE_DENIED,
    CompositionalRules,
)
from bot.triage.recognition.learned import MODEL_DIR, LearnedRecogniser
from bot.triage.recognition.learned import stratum_of as learned_stratum
from bot.triage.recognition.matching import SymptomLexicon
from bot.triage.recognition.mentions import Extraction, Mention
from bot.triage.recognition.readings import TemperatureReader
from bot.triage.recognition.spelling import SpellingNormaliser, load_common_words
from bot.triage.recognition.tokens import Tokens, sequence_at
from bot.triage.recognition.treatment import TreatmentReader
from bot.triage.recognition.vitals import VitalSignsReader

LEARNED_RECOGNISER_VARIABLE = "LEARNED_RECOGNISER"
MIN_LEARNED_WORDS = 4


class SymptomExtractor:
    """Finds symptoms, temperatures, therapies, timing and the reporter in one message."""

    def __init__(
        self,
        knowledge: Optional[Knowledge] = None,
        common_words: Optional[FrozenSet[str]] = None,
        learned: Optional[LearnedRecogniser] = None,
    ):
        self.knowledge = knowledge or load_knowledge()
        self.learned = learned
        self.language = self.knowledge.language
        self.tokens = Tokens()
        # The matchers first: their phrases make the vocabulary that spelling corrects towards.
        self.lexicon = SymptomLexicon(self.tokens, self.knowledge)
        self.treatment = TreatmentReader(self.tokens, self.knowledge)
        self.caregiver_matcher = PhraseMatcher(self.tokens.nlp.vocab, attr="NORM")
        self.caregiver_matcher.add("caregiver", self.tokens.phrase_docs(self.language["caregiver"]["phrases"]))
        self.assertion = ClauseAssertion(self.tokens, self.language)
        self.compositions = CompositionalRules(self.tokens, self.knowledge)
        self.readings = TemperatureReader(self.tokens, self.language, self.make_doc)
        self.vitals = VitalSignsReader(self.knowledge.vital_signs)
        self.severity_cues = self.tokens.norm_sequences(self.language["severity"]["before"])
        self.worsening_cues = self.tokens.norm_sequences(self.language["worsening"]["words"])
        # Last, so that the cues' and rules' words are known to it too.
        self.spelling = SpellingNormaliser(
            self.tokens.vocabulary,
            common_words if common_words is not None else load_common_words(),
            keep=self.tokens.cue_words,
        )
        self.question_words = set(self.language["question"]["first_words"])
        self.unwell_words = self.tokens.norm_sequences(self.language["unwell"]["phrases"])

    def make_doc(self, text: str) -> Doc:
        """Tokenise, and map misspelt words onto the knowledge base's vocabulary (token NORM)."""
        return self.spelling.normalise(self.tokens.tokenise(text))

    def normalised_text(self, text: str) -> str:
        """The message as the matchers read it (NORM: lowercase, contractions expanded, spelling
        corrected), for the learned recogniser."""
        return " ".join(t.norm_ for t in self.make_doc(text))

    def extract(self, text: str) -> Extraction:
        doc = self.make_doc(text)
        norms = [t.norm_ for t in doc]
        temperatures = self.readings.temperatures(text)
        vital_signs = self.vitals.readings(text, temperatures)
        mentions = (
            self._symptom_mentions(doc, norms)
            + self.readings.fevers(temperatures)
            + self.vitals.mentions(vital_signs, temperatures)
        )
        therapies = self.treatment.therapies(doc)
        emergency_described = False
        learned_text = self._what_the_learned_layer_reads(doc, mentions) if self.learned is not None else None
        if learned_text is not None:
            learned_mentions, emergency_described = self._learned(learned_text, mentions)
            mentions += learned_mentions
        return Extraction(
            emergency_described=emergency_described,
            unwell_described=any(sequence_at(norms, i, self.unwell_words) for i in range(len(norms))),
            mentions=tuple(sorted(mentions, key=lambda m: m.start)),
            temperatures=tuple(temperatures),
            therapies=tuple(therapies),
            days_since_treatment=self.treatment.days_since_treatment(text, therapies),
            caregiver=bool(self.caregiver_matcher(doc)),
        )

    @staticmethod
    def learned_reads(doc: Doc) -> bool:
        """The learned layer reads messages of MIN_LEARNED_WORDS words or more: it learned from
        reports, and reads noise in an answer such as "6 days ago" or "hi there"."""
        return sum(t.is_alpha for t in doc) >= MIN_LEARNED_WORDS

    @staticmethod
    def learned_text(doc: Doc, mentions: Sequence[Mention]) -> str:
        """The message as the learned layer reads it: NORM, without the words the rules read as
        denied or asked about ("I haven't passed out but..."), whose reading the model would not
        respect."""
        hidden = [(m.start, m.end) for m in mentions if m.assertion in (NEGATED, HYPOTHETICAL) and m.text]
        return " ".join(t.norm_ for t in doc if not any(start <= t.idx < end for start, end in hidden))

    def learned_input(self, text: str) -> Optional[str]:
        """What the learned layer reads of `text` as served, or None when it reads nothing."""
        doc = self.make_doc(text)
        return self._what_the_learned_layer_reads(doc, self._symptom_mentions(doc, [t.norm_ for t in doc]))

    def _what_the_learned_layer_reads(self, doc: Doc, mentions: Sequence[Mention]) -> Optional[str]:
        """The learned text, or None for a message too short for the layer, or with too little left
        once the denied and asked-about words are hidden."""
        if not self.learned_reads(doc):
            return None
        text = self.learned_text(doc, mentions)
        return text if _enough_words(text) else None

    def _learned(self, learned_text: str, found: Sequence[Mention]) -> Tuple[List[Mention], bool]:
        """What the learned recogniser adds, recall first: the symptoms it reads that the lexicon did
        not find at all, the denials it reads for symptoms neither found otherwise ("breathing's
        fine"), and whether it reads an emergency where the lexicon found no red flag. What the
        lexicon found keeps the lexicon's reading (present, denied, asked about, resolved)."""
        probabilities = self.learned.probabilities(learned_text)
        mentioned = {m.symptom_id for m in found}
        reported = [s for s in self.learned.reported(probabilities) if s in self.knowledge.symptoms]
        added = [
            Mention(symptom_id=symptom_id, text="", start=0, end=0, red_flag=False)
            for symptom_id in reported
            if symptom_id not in mentioned
        ]
        added += [
            Mention(symptom_id=symptom_id, text="", start=0, end=0, red_flag=False, assertion=NEGATED)
            for symptom_id in self.learned.denied(probabilities)
            if symptom_id in self.knowledge.symptoms and symptom_id not in mentioned
        ]
        lexicon_emergency = any(
            m.red_flag or self.knowledge.symptoms[m.symptom_id].urgency == "emergency"
            for m in list(found) + added
            if m.reported
        )
        stratum = learned_stratum(any(m.reported for m in found), any(m.reported for m in added))
        return added, self.learned.is_emergency(probabilities, stratum) and not lexicon_emergency

    def is_phrased_as_question(self, text: str) -> bool:
        """A question mark, or a question word first ("what", "is", "can"...)."""
        if "?" in text:
            return True
        words = [t.norm_ for t in self.tokens.tokenise(text) if t.is_alpha]
        return bool(words) and words[0] in self.question_words

    def _symptom_mentions(self, doc: Doc, norms: Sequence[str]) -> List[Mention]:
        mentions = []
        # A composition that contains a phrase's match replaces it ("face not swollen" is face
        # swelling denied, not swelling), except a red-flag phrase inside a plain composition, which
        # stays ("knees are icy and mottled"). One that only partly overlaps a phrase's match gives
        # way to it (in "can't breathe properly, gasping" the phrase keeps its negation), unless it
        # is a red flag for the phrase's own symptom: then both count ("gums have been bleeding for
        # two hours", "bp is really low"). A composition never takes a red flag away.
        phrases = self.lexicon.matches(doc)
        compositions = [
            c
            for c in self.compositions.matches(doc)
            if all(
                not _overlaps(c[0], p[0])
                or (_contains(c[0], p[0]) and c[0].label_ != DENIAL_ONLY)
                or _raises_to_red_flag(c, p)
                for p in phrases
            )
        ]
        # Of overlapping compositions the longest stays, and every red-flag one ("tongue feels fat" is
        # not lost inside "arms and his tongue feels fat").
        longest = spacy.util.filter_spans([k[0] for k in compositions])
        compositions = [c for c in compositions if c[0] in longest or c[2]]
        matches = [
            p for p in phrases if not any(_contains(c[0], p[0]) and not _keeps_red_flag(c, p) for c in compositions)
        ] + compositions
        starts = sorted({span.start for span, _, _ in matches})
        for span, symptom_id, red_flag_phrase in matches:
            symptom = self.knowledge.symptoms[symptom_id]
            next_start = next((s for s in starts if s >= span.end), len(doc))
            assertion = self.assertion.assertion(doc, norms, span, next_start)
            if span.label_ == NORMAL_STATE:
                # "breathing's fine" denies trouble breathing; "not breathing right" reports it.
                assertion = {PRESENT: NEGATED, NEGATED: PRESENT}.get(assertion, assertion)
            elif span.label_ == NORMAL_STATE_DENIED and assertion == NEGATED:
                assertion = PRESENT  # "breathing isn't right": the negation inside is the report
            elif span.label_ == NEGATED_INSIDE and assertion == PRESENT:
                assertion = NEGATED  # "lips aren't swollen"
            elif span.label_ == DENIAL_ONLY and assertion not in (NEGATED, RESOLVED):
                continue  # "temp 37.2" names no fever; "no temp" and "no more fits since" do
            negated = assertion == NEGATED
            severe = symptom.severe_is_red_flag and self.assertion.cue_in_clause(
                doc, norms, span, self.severity_cues, self.language["severity"]["window"]
            )
            worse = self.assertion.cue_in_clause(
                doc, norms, span, self.worsening_cues, self.language["worsening"]["window"]
            )
            mentions.append(
                Mention(
                    symptom_id=symptom_id,
                    text=span.text,
                    start=span.start_char,
                    end=span.end_char,
                    assertion=assertion,
                    red_flag=(red_flag_phrase or severe) and not negated,
                    worse=worse and not negated,
                )
            )
        return mentions


def _enough_words(learned_text: str) -> bool:
    """Whether what is left for the learned layer, once the denied and asked-about words are hidden,
    is still MIN_LEARNED_WORDS words: in "says his tummy doesn't hurt" only "says his" is."""
    return sum(word.isalpha() for word in learned_text.split()) >= MIN_LEARNED_WORDS


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _raises_to_red_flag(composition: Tuple[Span, str, bool], phrase: Tuple[Span, str, bool]) -> bool:
    """A red-flag composition read as the clause says, over a plain phrase of the same symptom."""
    return composition[1] == phrase[1] and composition[2] and not phrase[2] and composition[0].label_ == ""


def _keeps_red_flag(composition: Tuple[Span, str, bool], phrase: Tuple[Span, str, bool]) -> bool:
    """A red-flag phrase inside a plain composition read as the clause says stays a mention: a
    composition never takes a red flag away ("knees are icy and mottled")."""
    return phrase[2] and not composition[2] and composition[0].label_ == ""


def _contains(a: Span, b: Span) -> bool:
    """`a` holds all of `b` and more: a tie is no containment (the phrase lists win it)."""
    return a.start <= b.start and b.end <= a.end and len(a) > len(b)


@functools.lru_cache(maxsize=1)
def shared_extractor() -> SymptomExtractor:
    """One extractor per process, for the NLU component and the input guard alike: building one
    loads the spelling lexicon, which takes seconds and a few hundred MB at its peak. The learned
    recogniser joins it from models/recogniser (`make train-recogniser`), or from the folder
    LEARNED_RECOGNISER names; LEARNED_RECOGNISER=off serves the lexicon alone (for comparison)."""
    setting = os.environ.get(LEARNED_RECOGNISER_VARIABLE, "")
    if setting == "off":
        return SymptomExtractor()
    folder = Path(setting) if setting else MODEL_DIR
    if not (folder / "thresholds.json").exists():
        raise FileNotFoundError(
            f"No learned recogniser in {folder}: run `make train-recogniser` (or set {LEARNED_RECOGNISER_VARIABLE}=off)"
        )
    return SymptomExtractor(learned=LearnedRecogniser(folder))
