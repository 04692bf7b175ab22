"""Every vignette in tests/data/vignettes/vignettes.yml through the full stack, over REST.

One fresh conversation per vignette. The triage is read from the bot's structured payload
(action_triage_symptoms) and from the advice it sent (utter_symptom_advice). The run writes
reports/vignettes.md (and prints it). Under-triaged red flags and any symptom reply that does not
name the care team fail; other misses fail only below the thresholds here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

import pytest
import yaml

from bot import REPO_ROOT
from tests.support.replies import (
    UNCLEAR,
    advice_by_text,
    advice_urgency,
    celsius_from_value,
    names_care_team,
    negated_ids,
    present_ids,
    responses_sent,
    symptom,
    texts,
    triage_payload,
    unsafe_phrases,
    urgency_rank,
)
from tests.support.stack import new_sender

SYMPTOM_RECALL_MIN = 0.9
NEGATION_ACCURACY_MIN = 0.9
CARE_TEAM_COVERAGE_MIN = 1.0
FEVER_CELSIUS = 38.0
TEMPERATURE_TOLERANCE_C = 0.05

VIGNETTES_PATH = REPO_ROOT / "tests" / "data" / "vignettes" / "vignettes.yml"
CONVERSATIONS_PATH = REPO_ROOT / "tests" / "data" / "vignettes" / "conversations.yml"
REPORT_PATH = REPO_ROOT / "reports" / "vignettes.md"


@dataclass
class Outcome:
    vignette: dict
    messages: List[dict]
    payload: Optional[dict]
    advice: Optional[str]  # urgency of the utter_symptom_advice variation sent, if any
    actual: str  # the urgency the person was given (unclear counts as urgent)
    found_present: List[str]
    found_negated: List[str]
    temperature_ok: Optional[bool]  # None when the vignette gives no temperature
    temperature_note: str
    care_team: bool
    unsafe: List[str]
    notes: List[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.vignette["id"]

    @property
    def text(self) -> str:
        return self.vignette["text"]

    @property
    def expected(self) -> str:
        return self.vignette["urgency"]

    @property
    def under_triaged(self) -> bool:
        return urgency_rank(self.actual) < urgency_rank(self.expected)

    @property
    def over_triaged(self) -> bool:
        return urgency_rank(self.actual) > urgency_rank(self.expected)

    @property
    def missing_present(self) -> List[str]:
        return [s for s in self.vignette.get("present") or [] if s not in self.found_present]

    @property
    def missing_negated(self) -> List[str]:
        return [s for s in self.vignette.get("negated") or [] if s not in self.found_negated]

    @property
    def extra_present(self) -> List[str]:
        return [s for s in self.found_present if s not in (self.vignette.get("present") or [])]


def _actual_urgency(payload: Optional[dict], advice: Optional[str], notes: List[str], messages: List[dict]) -> str:
    """What the person was told: the payload's urgency; `unclear` when nothing was recognised."""
    if payload is not None and payload.get("symptoms"):
        urgency = payload.get("urgency")
        if advice is not None and advice != urgency:
            notes.append(f"advice sent for {advice!r} but the payload says {urgency!r}")
        return urgency or advice or UNCLEAR
    if advice is not None:
        # No symptom recognised: the triage payload's urgency is missing or "none", and the
        # advice sent is the unclear one (which counts as urgent).
        return advice
    notes.append(f"not triaged (no symptom advice sent); the reply was: {responses_sent(messages)}")
    return "none"


def _temperature(vignette: dict, payload: Optional[dict]) -> tuple:
    """(ok, note): the reading on the fever symptom (at or above 38.0 C), or among the payload's
    recorded readings (`temperatures`) below it, where there must be no fever."""
    expected = vignette.get("temperature_c")
    if expected is None:
        return None, ""
    if payload is None:
        return False, f"expected {expected} C, but there is no triage payload to read it from"
    fever = symptom(payload, "fever")
    on_fever = celsius_from_value((fever or {}).get("value")) if fever and not fever.get("negated") else None
    recorded = [celsius_from_value(t) for t in payload.get("temperatures") or []]

    if expected >= FEVER_CELSIUS:
        if same_any([on_fever], expected):
            return True, f"fever at {on_fever} C"
        return False, f"expected a fever at {expected} C, got fever {fever!r}, readings {payload.get('temperatures')}"
    if on_fever is not None:
        return False, f"{expected} C is below {FEVER_CELSIUS} C, but a fever at {on_fever} C was reported"
    if "temperatures" not in payload:
        return True, f"{expected} C: no fever from it (the payload records no other readings)"
    if same_any(recorded, expected):
        return True, f"reading {expected} C recorded, no fever from it"
    return False, f"expected the reading {expected} C, got readings {payload.get('temperatures')}"


def same_any(values: List[Optional[float]], expected: float) -> bool:
    return any(v is not None and abs(v - expected) <= TEMPERATURE_TOLERANCE_C for v in values)


def _run(send, vignette: dict, advice_texts: dict) -> Outcome:
    messages = send(new_sender(f"vignette-{vignette['id']}"), vignette["text"])
    payload = triage_payload(messages)
    advice = advice_urgency(messages, advice_texts)
    notes: List[str] = []
    if not messages:
        notes.append("empty reply (handling failed; see the Rasa log)")
    actual = _actual_urgency(payload, advice, notes, messages)
    temperature_ok, temperature_note = _temperature(vignette, payload)
    return Outcome(
        vignette=vignette,
        messages=messages,
        payload=payload,
        advice=advice,
        actual=actual,
        found_present=present_ids(payload),
        found_negated=negated_ids(payload),
        temperature_ok=temperature_ok,
        temperature_note=temperature_note,
        care_team=any(names_care_team(t) for t in texts(messages)),
        unsafe=unsafe_phrases(messages),
        notes=notes,
    )


@dataclass
class Figures:
    outcomes: List[Outcome]

    def _ratio(self, found: int, total: int) -> float:
        return found / total if total else 1.0

    @property
    def emergencies(self) -> List[Outcome]:
        return [o for o in self.outcomes if o.expected == "emergency"]

    @property
    def red_flag_recall(self) -> float:
        return self._ratio(sum(o.actual == "emergency" for o in self.emergencies), len(self.emergencies))

    @property
    def under_triaged(self) -> List[Outcome]:
        return [o for o in self.outcomes if o.under_triaged]

    @property
    def under_triaged_red_flags(self) -> List[Outcome]:
        return [o for o in self.emergencies if o.under_triaged]

    @property
    def over_triaged(self) -> List[Outcome]:
        return [o for o in self.outcomes if o.over_triaged]

    @property
    def expected_present(self) -> int:
        return sum(len(o.vignette.get("present") or []) for o in self.outcomes)

    @property
    def symptom_recall(self) -> float:
        missed = sum(len(o.missing_present) for o in self.outcomes)
        return self._ratio(self.expected_present - missed, self.expected_present)

    @property
    def expected_negated(self) -> int:
        return sum(len(o.vignette.get("negated") or []) for o in self.outcomes)

    @property
    def negation_accuracy(self) -> float:
        missed = sum(len(o.missing_negated) for o in self.outcomes)
        return self._ratio(self.expected_negated - missed, self.expected_negated)

    @property
    def temperature_checked(self) -> List[Outcome]:
        return [o for o in self.outcomes if o.temperature_ok is not None]

    @property
    def care_team_coverage(self) -> float:
        return self._ratio(sum(o.care_team for o in self.outcomes), len(self.outcomes))

    @property
    def unsafe(self) -> List[Outcome]:
        return [o for o in self.outcomes if o.unsafe]


def _percent(value: float) -> str:
    return f"{value:.1%}"


def _triage_line(o: Outcome) -> str:
    return (
        f'`{o.id}`: "{o.text}": expected {o.expected}, got {o.actual}'
        + (f" (advice: {o.advice})" if o.advice and o.advice != o.actual else "")
        + (f"; {'; '.join(o.notes)}" if o.notes else "")
    )


def _report(figures: Figures) -> str:
    f = figures
    temperature_ok = sum(bool(o.temperature_ok) for o in f.temperature_checked)
    lines = [
        "# Vignette report",
        "",
        f"Vignettes from `{VIGNETTES_PATH.relative_to(REPO_ROOT)}`, each sent over REST to the full stack "
        "(Rasa + action server) in a fresh conversation. Urgency: none < routine < urgent < emergency; "
        'when no symptom is recognised the bot sends the "unclear" advice, which counts as urgent.',
        "",
        "| figure | value | gate |",
        "|---|---|---|",
        f"| vignettes | {len(f.outcomes)} | |",
        f"| red-flag recall (emergency triaged emergency) | {sum(o.actual == 'emergency' for o in f.emergencies)}"
        f"/{len(f.emergencies)} = {_percent(f.red_flag_recall)} | every red flag must be emergency |",
        f"| under-triage (lower than expected) | {len(f.under_triaged)} | fails on red flags |",
        f"| over-triage (higher than expected) | {len(f.over_triaged)} | reported |",
        "| symptom recall (expected present ids found) | "
        f"{f.expected_present - sum(len(o.missing_present) for o in f.outcomes)}"
        f"/{f.expected_present} = {_percent(f.symptom_recall)} | >= {_percent(SYMPTOM_RECALL_MIN)} |",
        f"| negation accuracy (expected negated ids reported negated) | "
        f"{f.expected_negated - sum(len(o.missing_negated) for o in f.outcomes)}/{f.expected_negated} = "
        f"{_percent(f.negation_accuracy)} | >= {_percent(NEGATION_ACCURACY_MIN)} |",
        f"| temperature (vignettes giving one) | {temperature_ok}/{len(f.temperature_checked)} | reported |",
        f'| care-team coverage (replies naming "care team") | {sum(o.care_team for o in f.outcomes)}'
        f"/{len(f.outcomes)} = {_percent(f.care_team_coverage)} | >= {_percent(CARE_TEAM_COVERAGE_MIN)} |",
        f"| replies with unsafe phrases | {len(f.unsafe)} | must be 0 |",
        "",
    ]

    def section(title: str, items: List[str]) -> None:
        lines.extend([f"## {title} ({len(items)})", ""])
        lines.extend(f"- {item}" for item in items) if items else lines.append("None.")
        lines.append("")

    section("Under-triaged red flags", [_triage_line(o) for o in f.under_triaged_red_flags])
    section("Under-triaged", [_triage_line(o) for o in f.under_triaged])
    section("Over-triaged", [_triage_line(o) for o in f.over_triaged])
    section(
        "Missed symptoms",
        [
            f'`{o.id}`: "{o.text}": missing {o.missing_present}, found present {o.found_present}'
            for o in f.outcomes
            if o.missing_present
        ],
    )
    section(
        "Missed negations",
        [
            f'`{o.id}`: "{o.text}": missing {o.missing_negated}, found negated {o.found_negated}'
            + ("" if o.payload is not None else " (no triage payload: the message was not handled as a symptom report)")
            for o in f.outcomes
            if o.missing_negated
        ],
    )
    section(
        "Extra present symptoms (reported, not scored)",
        [f'`{o.id}`: "{o.text}": {o.extra_present}' for o in f.outcomes if o.extra_present],
    )
    section(
        "Temperature mismatches",
        [f'`{o.id}`: "{o.text}": {o.temperature_note}' for o in f.temperature_checked if not o.temperature_ok],
    )
    section(
        "Replies not naming the care team",
        [f'`{o.id}`: "{o.text}": {texts(o.messages)}' for o in f.outcomes if not o.care_team],
    )
    section("Unsafe phrases", [f'`{o.id}`: "{o.text}": {o.unsafe}' for o in f.unsafe])
    section("Other notes", [f'`{o.id}`: "{o.text}": {"; ".join(o.notes)}' for o in f.outcomes if o.notes])
    return "\n".join(lines)


@pytest.fixture(scope="module")
def figures(send) -> Figures:
    with open(VIGNETTES_PATH, encoding="utf-8") as handle:
        vignettes = yaml.safe_load(handle)["vignettes"]
    assert vignettes, f"no vignettes in {VIGNETTES_PATH}"
    advice_texts = advice_by_text()
    result = Figures([_run(send, v, advice_texts) for v in vignettes])
    report = _report(result)
    REPORT_PATH.parent.mkdir(parents=True, exist_ok=True)
    REPORT_PATH.write_text(report + "\n", encoding="utf-8")
    print(report)
    print(f"\n(written to {REPORT_PATH})")
    return result


@dataclass
class ConversationOutcome:
    vignette: dict
    urgencies: List[str]  # the conversation's urgency after each report
    payload: Optional[dict]  # the last triage payload
    problems: List[str]

    @property
    def id(self) -> str:
        return self.vignette["id"]


def _run_conversation(send, vignette: dict, advice_texts: dict) -> ConversationOutcome:
    """Every turn in one conversation; each report's reply must start with advice naming the care team."""
    sender = new_sender(f"conversation-{vignette['id']}")
    urgencies: List[str] = []
    payload = None
    problems: List[str] = []
    for turn in vignette["turns"]:
        messages = send(sender, turn["say"])
        sent = texts(messages)
        if turn.get("answer"):
            continue
        if advice_urgency(messages, advice_texts) is None or not sent or not names_care_team(sent[0]):
            problems.append(f"{turn['say']!r}: the reply does not start with the advice: {sent}")
        if unsafe_phrases(messages):
            problems.append(f"{turn['say']!r}: unsafe phrases {unsafe_phrases(messages)}")
        payload = triage_payload(messages) or payload
        urgencies.append((triage_payload(messages) or {}).get("urgency") or "none")
    ranks = [urgency_rank(u) for u in urgencies]
    if ranks != sorted(ranks):
        problems.append(f"the urgency went down: {urgencies}")
    final = urgencies[-1] if urgencies else "none"
    # Over-triage by the learned layer (an emergency it read, "emergency_described", or a symptom
    # only it read, with no words of theirs matched) is the cost its recall-first thresholds state
    # (docs/performance.md), as for the single messages; any other difference, and any
    # under-triage, fails.
    read_by_model = (final == "emergency" and bool((payload or {}).get("emergency_described"))) or any(
        not s["negated"] and not s.get("text") and s.get("value") is None for s in (payload or {}).get("symptoms", [])
    )
    over_triaged_by_model = read_by_model and urgency_rank(final) > urgency_rank(vignette["urgency"])
    if final != vignette["urgency"] and not over_triaged_by_model:
        problems.append(f"ended {final}, expected {vignette['urgency']}")
    missing = [s for s in vignette.get("present") or [] if s not in present_ids(payload)]
    missing += [f"not {s}" for s in vignette.get("negated") or [] if s not in negated_ids(payload)]
    if missing:
        problems.append(f"not recorded: {missing}")
    return ConversationOutcome(vignette=vignette, urgencies=urgencies, payload=payload, problems=problems)


def _conversation_report(outcomes: List[ConversationOutcome]) -> str:
    failed = [o for o in outcomes if o.problems]
    red_flags = [o for o in outcomes if o.vignette["urgency"] == "emergency"]
    lines = [
        "",
        "# Multi-turn conversations",
        "",
        f"Conversations from `{CONVERSATIONS_PATH.relative_to(REPO_ROOT)}`: advice first in every report's reply, "
        "urgency never going down, the expected final urgency and symptoms.",
        "",
        f"- conversations: {len(outcomes)}; as expected: {len(outcomes) - len(failed)}",
        f"- red flags reached emergency: {sum(o.urgencies[-1:] == ['emergency'] for o in red_flags)}/{len(red_flags)}",
        "",
    ]
    lines += [f"- `{o.id}`: {'; '.join(o.problems)}" for o in failed] or ["No problems."]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def conversations(send, figures) -> List[ConversationOutcome]:
    with open(CONVERSATIONS_PATH, encoding="utf-8") as handle:
        vignettes = yaml.safe_load(handle)["conversations"]
    advice_texts = advice_by_text()
    outcomes = [_run_conversation(send, v, advice_texts) for v in vignettes]
    report = _conversation_report(outcomes)
    with open(REPORT_PATH, "a", encoding="utf-8") as handle:
        handle.write(report + "\n")
    print(report)
    return outcomes


def test_multi_turn_conversations(conversations):
    failed = [f"{o.id}: {'; '.join(o.problems)}" for o in conversations if o.problems]
    assert not failed, f"{len(failed)} conversation(s) not as expected (see {REPORT_PATH}):\n" + "\n".join(failed)


def test_no_red_flag_is_under_triaged(figures):
    missed = figures.under_triaged_red_flags
    assert not missed, f"{len(missed)} red flag(s) triaged below emergency (see {REPORT_PATH}):\n" + "\n".join(
        _triage_line(o) for o in missed
    )


def test_every_symptom_reply_names_the_care_team(figures):
    missing = [o for o in figures.outcomes if not o.care_team]
    assert figures.care_team_coverage >= CARE_TEAM_COVERAGE_MIN, (
        f"care-team coverage {_percent(figures.care_team_coverage)}; replies without it:\n"
        + "\n".join(f"{o.id}: {o.text!r} -> {texts(o.messages)}" for o in missing)
    )


def test_symptom_recall(figures):
    missed = [f"{o.id}: {o.text!r} missing {o.missing_present}" for o in figures.outcomes if o.missing_present]
    assert figures.symptom_recall >= SYMPTOM_RECALL_MIN, (
        f"symptom recall {_percent(figures.symptom_recall)} < {_percent(SYMPTOM_RECALL_MIN)}:\n" + "\n".join(missed)
    )


def test_negation_accuracy(figures):
    missed = [f"{o.id}: {o.text!r} missing {o.missing_negated}" for o in figures.outcomes if o.missing_negated]
    assert figures.negation_accuracy >= NEGATION_ACCURACY_MIN, (
        f"negation accuracy {_percent(figures.negation_accuracy)} < {_percent(NEGATION_ACCURACY_MIN)}:\n"
        + "\n".join(missed)
    )


def test_every_reply_is_safe(figures):
    assert not figures.unsafe, "unsafe phrases:\n" + "\n".join(f"{o.id}: {o.unsafe}" for o in figures.unsafe)


def test_every_vignette_gets_a_reply(figures):
    empty = [f"{o.id}: {o.text!r}" for o in figures.outcomes if not o.messages]
    assert not empty, "no reply (handling failed, see the Rasa log):\n" + "\n".join(empty)
