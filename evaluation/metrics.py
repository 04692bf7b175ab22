"""The figures of the evaluation, in plain Python over parsed messages, so they are tested without Rasa.

A parsed message is what Rasa's NLU returns: {"intent": {"name", "confidence"}, "entities": [...]}.
Symptoms are read from the `symptom` entities (role present or negated), whichever component
set them: the project's pipeline sets them, Rasa's default pipeline cannot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

from bot.triage.engine import CRISIS, triage, urgency_rank
from bot.triage.entities import reports_from_entities

REPORT_SYMPTOM = "report_symptom"
UNCLEAR = "unclear"


def symptoms_in(parsed: dict) -> Tuple[Set[str], Set[str]]:
    """(reported, negated) symptom ids in a parse, from any extractor's `symptom` entities, read as
    the triage engine reads them: reported (present or resolved) if any mention is, denied only if
    no mention reports it; a question about what could happen is neither."""
    present, negated = set(), set()
    for entity in parsed.get("entities", []):
        if entity.get("entity") != "symptom":
            continue
        role = entity.get("role")
        if role == "negated":
            negated.add(entity["value"])
        elif role != "hypothetical":
            present.add(entity["value"])
    return present, negated - present


def share(part: int, whole: int) -> str:
    """A figure as the reports write it: "48/50 (96.0%)"."""
    return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else "0/0"


def intent_of(parsed: dict) -> str:
    """The intent name, with retrieval sub-intents (faq/helplines) counted as their intent (faq)."""
    name = (parsed.get("intent") or {}).get("name") or "nlu_fallback"
    return name.split("/")[0]


@dataclass
class EntityCounts:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 0.0

    @property
    def recall(self) -> float:
        expected = self.true_positive + self.false_negative
        return self.true_positive / expected if expected else 1.0


def count_symptoms(expected: Sequence[Tuple[Set[str], Set[str]]], found: Sequence[Tuple[Set[str], Set[str]]]) -> dict:
    """Symptom-entity precision/recall (present ids) and negation accuracy (negated ids found negated)."""
    present = EntityCounts()
    negated_expected = negated_found = 0
    for (want_present, want_negated), (got_present, got_negated) in zip(expected, found):
        present.true_positive += len(want_present & got_present)
        present.false_positive += len(got_present - want_present)
        present.false_negative += len(want_present - got_present)
        negated_expected += len(want_negated)
        negated_found += len(want_negated & got_negated)
    return {
        "symptom_precision": present.precision,
        "symptom_recall": present.recall,
        "negation_accuracy": negated_found / negated_expected if negated_expected else 1.0,
        "counts": {
            "tp": present.true_positive,
            "fp": present.false_positive,
            "fn": present.false_negative,
            "negated": f"{negated_found}/{negated_expected}",
        },
    }


def urgency_given(parsed: dict) -> Optional[str]:
    """The urgency of the advice the person is sent, as the domain picks it; None if no advice.

    A report_symptom gets utter_symptom_advice, whose variation follows the `urgency` entity; with
    none (nothing recognised, or a pipeline that cannot recognise symptoms) it is the "unclear"
    advice, which counts as urgent.
    """
    if intent_of(parsed) != REPORT_SYMPTOM:
        return None
    urgencies = [e["value"] for e in parsed.get("entities", []) if e.get("entity") == "urgency"]
    return urgencies[0] if urgencies and urgencies[0] != UNCLEAR else UNCLEAR


def triaged_urgency(parsed: dict) -> str:
    """What the person was told: the advice's urgency ("unclear" ranks as urgent, "crisis" is an
    emergency), "none" if no advice."""
    given = urgency_given(parsed)
    if given is None:
        return "none"
    if given == UNCLEAR:
        return "urgent"
    if given == CRISIS:
        return "emergency"  # the crisis advice opens with emergency services
    return given


@dataclass
class TriageFigures:
    vignettes: int = 0
    red_flags: int = 0
    red_flags_caught: int = 0
    under_triaged: List[str] = field(default_factory=list)
    over_triaged: List[str] = field(default_factory=list)
    care_team: int = 0
    diagnosis_phrases: int = 0

    @property
    def red_flag_recall(self) -> float:
        return self.red_flags_caught / self.red_flags if self.red_flags else 1.0

    @property
    def care_team_coverage(self) -> float:
        return self.care_team / self.vignettes if self.vignettes else 1.0


def triage_figures(
    vignettes: Sequence[dict], parses: Sequence[dict], reply_names_care_team, unsafe_in_reply
) -> TriageFigures:
    """Vignette figures from NLU parses: what advice each vignette would get, and what the reply says.

    `reply_names_care_team(parsed)` and `unsafe_in_reply(parsed)` look at the reply the assistant
    sends for a parse (see evaluation.quality), so the figures hold for any pipeline.
    """
    figures = TriageFigures()
    for vignette, parsed in zip(vignettes, parses):
        figures.vignettes += 1
        actual, expected = triaged_urgency(parsed), vignette["urgency"]
        if expected == "emergency":
            figures.red_flags += 1
            figures.red_flags_caught += actual == "emergency"
        if urgency_rank(actual) < urgency_rank(expected):
            figures.under_triaged.append(f"{vignette['id']}: expected {expected}, got {actual}")
        elif urgency_rank(actual) > urgency_rank(expected):
            figures.over_triaged.append(f"{vignette['id']}: expected {expected}, got {actual}")
        figures.care_team += bool(reply_names_care_team(parsed))
        figures.diagnosis_phrases += len(unsafe_in_reply(parsed))
    return figures


def guidance_reply(parsed: dict) -> str:
    """The documents' guidance text action_triage_symptoms would send for a parse's symptoms."""
    reported = reports_from_entities(parsed.get("entities", []))
    return triage(
        reported.reports, reported.therapy_id, reported.days_since_treatment, reported.temperatures
    ).guidance_text


def intent_report(expected: Sequence[str], predicted: Sequence[str]) -> Dict[str, dict]:
    """Per-intent precision, recall, F1 and support, plus the macro and weighted averages."""
    from sklearn.metrics import classification_report

    labels = sorted(set(expected) | set(predicted))
    return classification_report(expected, predicted, labels=labels, output_dict=True, zero_division=0)
