"""medspaCy's ConText measured against the project's clause rules, as the assertion engine of the
same extractor.

    make compare-assertion     # builds .venv-context (medspaCy beside .venv's packages), runs this
    .venv-context/bin/python -m evaluation.assertion_context [--skip-blind STEM ...]

ConText (Harkema et al. 2009, as medspaCy 1.2.0 implements it) reads each target span's context
from rules: triggers with a category and a direction, pseudo-triggers that block a shorter trigger,
terminations that end a trigger's scope, and scopes bounded by the sentence or a window.

The comparison swaps the engine and nothing else. SymptomExtractor.extract asks its assertion
engine about each span it locates (the lexicon's phrases, extractor.lexicon.matches, and its
compositions); here ConText answers instead, with those spans as doc.ents on the extractor's own
doc (make_doc). The extractor then applies its own meaning of a span as it does for the clause
rules ("breathing's fine" denies, "no temp" counts only when denied), and its readings (a
temperature, a pulse) carry their band's assertion for either engine. So the same symptoms are
located for every engine, and the figures (evaluation.assertion.report) differ by assertion only.

Two configurations: medspaCy's default rules (written for clinicians' notes, with its default
sentence splitter, PyRuSH), and lay-language rules of the project's own (evaluation/
context_rules.yml, data reviewed like the knowledge base). ConText's categories map onto the
project's assertions in the clause rules' order: hypothetical first; a denial is negated, or
resolved when it says the symptom has ended ("not shivering anymore"); an ended symptom (RESOLVED,
EPISODE, or the default rules' HISTORICAL) is resolved; anything else is present. FAMILY and
POSSIBLE_EXISTENCE change nothing: a caregiver's report ("my wife has a fever") is the patient's
symptom, and hedging counts as present, as in the clause rules.

Only the training split was read to write the lay rules; the validation split and the blind sets
are reported as aggregates. Blind sets are those evaluation.assertion scores (first score
recorded), less any named with --skip-blind, which are not opened.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple
from unittest import mock

import yaml
from medspacy.context import ConText, ConTextRule
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from bot.triage.engine import HYPOTHETICAL, NEGATED, PRESENT, RESOLVED
from bot.triage.recognition import learned
from bot.triage.recognition.extractor import SymptomExtractor
from bot.triage.recognition.mentions import Mention
from evaluation import assertion
from evaluation.blind import recorded_sets
from evaluation.recognition import REPORTS

LAY_RULES = Path(__file__).with_name("context_rules.yml")
DEFAULT_RULES = "default"

NEGATED_EXISTENCE = "NEGATED_EXISTENCE"
HYPOTHETICAL_CATEGORY = "HYPOTHETICAL"
RESOLVED_CATEGORY = "RESOLVED"
HISTORICAL = "HISTORICAL"
ENDED_DENIAL = "ENDED_DENIAL"  # "anymore": an end when the mention is denied, nothing otherwise
EPISODE = "EPISODE"  # "he had a seizure": an end unless denied ("he hasn't had a seizure")
ENDED = {RESOLVED_CATEGORY, HISTORICAL, EPISODE}
# What a group of the rule file may give its rules besides the phrases and patterns themselves.
GROUP_KEYS = {"category", "direction", "max_scope", "max_targets", "metadata", "allowed_types", "excluded_types"}


def assertion_of(categories: Set[str]) -> str:
    """The project's assertion for the ConText categories that modify one mention."""
    if HYPOTHETICAL_CATEGORY in categories:
        return HYPOTHETICAL
    if NEGATED_EXISTENCE in categories:
        return RESOLVED if ENDED_DENIAL in categories else NEGATED
    return RESOLVED if categories & ENDED else PRESENT


def rule_entries(groups: Iterable[dict]) -> List[dict]:
    """The rule file's groups as ConTextRule dictionaries: each literal and each pattern of a group
    with the group's category, direction and limits."""
    entries = []
    for group in groups:
        unknown = set(group) - GROUP_KEYS - {"literals", "patterns"}
        if unknown:
            raise ValueError(f"context rules: unknown keys {sorted(unknown)} in group {group.get('category')}")
        shared = {k: v for k, v in group.items() if k in GROUP_KEYS}
        entries += [{**shared, "literal": literal} for literal in group.get("literals") or []]
        entries += [{**shared, **pattern} for pattern in group.get("patterns") or []]
    return entries


def _chars(span: Span) -> Tuple[int, int]:
    return span.start_char, span.end_char


class EngineStandIn:
    """Takes the clause rules' place inside SymptomExtractor for one message: first it records the
    spans the extractor asks about (answering NEGATED, so that no span is dropped: a "no temp" span
    is kept only if denied), then it answers from ConText's readings. Everything else (the severity
    and worsening cues) is still the clause rules'."""

    def __init__(self, clause) -> None:
        self.clause = clause
        self.asked: List[Tuple[int, int]] = []
        self.readings: Optional[Dict[Tuple[int, int], str]] = None

    def assertion(self, doc: Doc, norms: Sequence[str], span: Span, next_mention_start: int) -> str:
        if self.readings is None:
            self.asked.append((span.start, span.end))
            return NEGATED
        return self.readings[(span.start, span.end)]

    def __getattr__(self, name: str):
        return getattr(self.clause, name)


class ContextReader:
    """text -> {symptom id: assertion}, ConText deciding each located mention's assertion.

    `rules` is DEFAULT_RULES (medspaCy's own rules and settings, with its default sentence
    splitter PyRuSH) or the path of a lay-rule file (evaluation/context_rules.yml)."""

    def __init__(self, rules: str | Path = DEFAULT_RULES, extractor: Optional[SymptomExtractor] = None) -> None:
        self.extractor = extractor or SymptomExtractor()
        nlp = self.extractor.tokens.nlp
        if rules == DEFAULT_RULES:
            from loguru import logger
            from medspacy.sentence_splitting import PyRuSHSentencizer

            logger.disable("PyRuSH")  # it logs every token at DEBUG
            self.split_sentences: Callable[[Doc], Doc] = PyRuSHSentencizer(nlp)
            self.context = ConText(nlp, name="context_default", rules="default")
            self.question_words: Set[str] = set()
            self.auxiliaries: Set[str] = set()
            self.subjects: Set[str] = set()
        else:
            config = yaml.safe_load(Path(rules).read_text(encoding="utf-8"))
            settings = config.get("settings") or {}
            self.split_sentences = Sentencizer(punct_chars=settings.get("sentence_end"))
            self.context = ConText(
                nlp,
                name="context_lay",
                rules=None,
                phrase_matcher_attr=settings.get("phrase_matcher_attr", "LOWER"),
                terminating_types=settings.get("terminating_types"),
                max_scope=settings.get("max_scope"),
                prune_on_target_overlap=settings.get("prune_on_target_overlap", False),
            )
            self.question_words = set(settings.get("question_words") or [])
            self.auxiliaries = set(settings.get("question_auxiliaries") or [])
            self.subjects = set(settings.get("question_subjects") or [])
            self.context.add(self.rules_from(rule_entries(config["groups"])))

    def rules_from(self, entries: Iterable[dict]) -> List[ConTextRule]:
        """ConTextRules from the file's entries. An entry whose metadata says `question_only`
        modifies a target only in a sentence that asks something (a question mark, or a question
        word first): "if he stands up he gets dizzy" is a report, "what if he has a fit?" is not."""
        rules = []
        for entry in entries:
            rule = ConTextRule.from_dict(entry)
            if (rule.metadata or {}).get("question_only"):
                rule.on_modifies = self._in_question
            rules.append(rule)
        return rules

    def _in_question(self, target: Span, modifier: Span, between: Span) -> bool:
        """Whether the target's sentence asks something: a question mark; or a question word first
        ("what", "should", "do"), unless denied ("Didn't pass out" is a report); or an auxiliary
        before its subject anywhere ("if he has a fit do i call 999")."""
        sentence = target.sent
        if any(t.text == "?" for t in sentence):
            return True
        norms = [t.norm_ for t in sentence if not t.is_punct]
        if norms and norms[0] in self.question_words and norms[1:2] != ["not"]:
            return True
        return any(a in self.auxiliaries and b in self.subjects for a, b in zip(norms, norms[1:]))

    def mentions(self, text: str) -> List[Mention]:
        """SymptomExtractor.extract with ConText in the place of the clause rules: the extractor
        locates as it always does (the lexicon's phrases, its compositions, the readings) and applies
        its own meaning of a span ("breathing's fine" denies, a normal reading denies); only the
        assertion engine's answer for each span it asks about is ConText's."""
        extractor = self.extractor
        clause = extractor.assertion
        stand_in = EngineStandIn(clause)
        extractor.assertion = stand_in
        try:
            asked = extractor.extract(text).mentions  # the spans the engine is asked about
            symptom_of = {(m.start, m.end): m.symptom_id for m in asked}
            doc = extractor.make_doc(text)
            spans = [(start, end, symptom_of.get(_chars(doc[start:end]), "")) for start, end in stand_in.asked]
            stand_in.readings = self.read_spans(doc, spans)
            mentions = extractor.extract(text).mentions
        finally:
            extractor.assertion = clause
        return [m for m in mentions if m.end > m.start]

    def read_spans(self, doc: Doc, spans: Sequence[Tuple[int, int, str]]) -> Dict[Tuple[int, int], str]:
        """ConText's step: (start, end, symptom id) token spans become doc.ents (the longest where
        two overlap), the sentences are split, ConText runs, and each span gets the assertion its
        modifiers' categories map to."""
        targets = [Span(doc, start, end, label=symptom_id or "symptom") for start, end, symptom_id in spans]
        doc.ents = filter_spans(targets)
        self.split_sentences(doc)
        self.context(doc)
        entities = {(e.start, e.end): e for e in doc.ents}
        modifiers = doc._.context_graph.modifiers
        readings = {}
        for target in targets:
            entity = entities.get((target.start, target.end))
            if entity is not None and entity.label_ == target.label_:
                categories = {m.category for m in entity._.modifiers}
            else:  # it overlaps a longer span: the same modifiers, by ConText's own test
                categories = {m.category for m in modifiers if m.modifies(target)}
            readings[(target.start, target.end)] = assertion_of(categories)
        return readings

    def __call__(self, text: str) -> Dict[str, str]:
        return assertion.message_assertion(self.mentions(text))


def comparison_sets(skipped: Set[str]) -> Dict[str, List[dict]]:
    """evaluation.assertion's sets (the corpus splits and the blind sets whose first score is
    recorded), without the blind sets in `skipped`, which are not opened."""
    with mock.patch.object(assertion, "recorded_sets", lambda: [p for p in recorded_sets() if p.stem not in skipped]):
        sets = ORIGINAL_SETS()
    opened = [name for name in sets if name.startswith("blind ") and name[len("blind ") :] in skipped]
    if opened:  # evaluation.assertion no longer chooses its blind sets with recorded_sets
        raise RuntimeError(f"blind sets read that were to be skipped: {opened}")
    return sets


ORIGINAL_SETS = assertion.assertion_sets


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def timing(messages: Sequence[dict], extractor: SymptomExtractor, context: ContextReader, passes: int = 3) -> List[str]:
    """Milliseconds per message on `messages`, each the median of `passes` runs: each engine's
    reader as the comparison runs it, and its assertion step alone (the clause rules' calls of
    ClauseAssertion.assertion; ConText's read_spans: sentences, ConText, mapping)."""
    texts = [m["text"] for m in messages]
    spent = [0.0]

    def timed(function):
        def run(*args, **kwargs):
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - began

        return run

    runs: Dict[str, List[List[float]]] = {
        k: [[] for _ in texts] for k in ("clause", "clause step", "context", "context step")
    }
    for text in texts[:20]:  # warm-up
        context.mentions(text)
    clause = extractor.assertion
    clause.assertion = timed(type(clause).assertion.__get__(clause))
    context.read_spans = timed(type(context).read_spans.__get__(context))
    try:
        for _ in range(passes):
            for index, text in enumerate(texts):
                for engine, read in (("clause", extractor.extract), ("context", context.mentions)):
                    spent[0] = 0.0
                    began = time.perf_counter()
                    read(text)
                    runs[engine][index].append(time.perf_counter() - began)
                    runs[f"{engine} step"][index].append(spent[0])
    finally:
        del clause.assertion, context.read_spans
    per_message = {k: [statistics.median(r) * 1000 for r in v] for k, v in runs.items()}
    rows = [
        ("clause rules: SymptomExtractor.extract", "clause"),
        ("clause rules: the assertion step alone (ClauseAssertion.assertion)", "clause step"),
        ("ConText, lay rules: the reader (extract twice, ConText between)", "context"),
        ("ConText, lay rules: the assertion step alone (sentences, ConText, mapping)", "context step"),
    ]
    lines = [
        f"Milliseconds per message on the validation split ({len(texts)} messages, median of {passes} passes each,",
        "one process at nice 10 on a shared 2-core machine):",
        "",
        "| what is timed | p50 ms | p95 ms |",
        "|---|---|---|",
    ]
    for label, key in rows:
        values = per_message[key]
        lines.append(f"| {label} | {percentile(values, 0.5):.2f} | {percentile(values, 0.95):.2f} |")
    return lines


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-blind", action="append", default=[], metavar="STEM", help="a blind set not to open")
    parser.add_argument("--out", type=Path, default=REPORTS / "assertion_comparison.md")
    args = parser.parse_args(argv)

    extractor = SymptomExtractor()
    lay = ContextReader(LAY_RULES, extractor)
    readers = {
        "clause rules": assertion.lexicon_reader(extractor),
        "ConText, default rules": ContextReader(DEFAULT_RULES, extractor),
        "ConText, lay rules": lay,
    }
    skipped = set(args.skip_blind)
    with mock.patch.object(assertion, "assertion_sets", lambda: comparison_sets(skipped)):
        lines = assertion.report(readers)
    lines[0] = "# Assertion on located mentions: the clause rules and medspaCy's ConText"
    lines += ["", "## Time per message", ""] + timing(learned.split_messages("validation"), extractor, lay)
    lines += [
        "",
        "Blind sets scored: those whose first score is recorded (tests/data/blind/HISTORY.md)"
        + (f", except {', '.join(sorted(skipped))}" if skipped else "")
        + ". Written by `make compare-assertion` (evaluation/assertion_context.py).",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
