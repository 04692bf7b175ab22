"""A conversation's reports, added up over its turns.

Symptoms accumulate: a symptom reported in any turn stays reported, so a conversation's urgency
never goes down. The latest therapy and timing named win. Plain Python over the entity dicts
that every user turn carries, so it serves the agent-assist channel (reading Rasa's tracker) and
the actions (reading rasa_sdk's) alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Iterable, List, Mapping, Optional

from bot.entities import ReportedInMessage, reports_from_entities
from bot.follow_up import CHECK_CHANGED
from bot.knowledge import Knowledge, load_knowledge
from bot.timing import days_ago, describe_timing
from bot.triage import SymptomReport, TriageResult, triage

UNKNOWN = "unknown"


def accumulate(turns: Iterable[Iterable[dict]]) -> ReportedInMessage:
    """Everything reported over the turns, each turn given as its entities."""
    reports, temperatures = [], []
    therapy_id: Optional[str] = None
    days: Optional[int] = None
    caregiver = False
    present_before: set = set()
    for entities in turns:
        turn = reports_from_entities(entities)
        # A symptom reported present again in a later turn counts as getting worse.
        reports.extend(
            replace(r, worse=True) if not r.negated and r.symptom_id in present_before else r
            for r in turn.reports
        )
        present_before |= {r.symptom_id for r in turn.reports if not r.negated}
        temperatures.extend(turn.temperatures)
        therapy_id = turn.therapy_id or therapy_id
        days = turn.days_since_treatment if turn.days_since_treatment is not None else days
        caregiver = caregiver or turn.caregiver
    return ReportedInMessage(
        reports=reports, therapy_id=therapy_id, days_since_treatment=days, caregiver=caregiver,
        temperatures=temperatures,
    )



def triage_reported(reported: ReportedInMessage, known_therapy_id: Optional[str] = None) -> TriageResult:
    """Triage what was reported; `known_therapy_id` (from earlier) is used when none was named."""
    return triage(
        reported.reports, reported.therapy_id or known_therapy_id, reported.days_since_treatment,
        reported.temperatures,
    )


def user_turns(events: Iterable[dict]) -> List[List[dict]]:
    """The entities of each user message since the session started (rasa_sdk's event dicts)."""
    turns: List[List[dict]] = []
    for event in events:
        kind = event.get("event")
        if kind in ("session_started", "restart"):
            turns = []
        elif kind == "user":
            turns.append((event.get("parse_data") or {}).get("entities", []))
    return turns


def check_reports(slots: Mapping[str, Any], knowledge: Optional[Knowledge] = None) -> List[SymptomReport]:
    """The caregiver checks answered "yes, that has changed", as reports of the symptom each puts into words."""
    checks = (knowledge or load_knowledge()).follow_up.caregiver_checks
    return [
        SymptomReport(symptom_id=check.symptom, text=f"caregiver check: {check.change}")
        for check in checks if slots.get(check.slot) == CHECK_CHANGED
    ]


@dataclass(frozen=True)
class Conversation:
    """A conversation so far: what was reported, its triage, and the treatment as the person put it."""

    reported: ReportedInMessage
    result: TriageResult
    treatment_words: Optional[str]  # the person's answer when it names no therapy we know
    timing: Optional[str]  # when the treatment was last given, as the summary shows it


def conversation_so_far(events: Iterable[dict], slots: Mapping[str, Any], today: date) -> Conversation:
    """Triage of every user turn plus the caregiver checks, with the treatment questions' answers."""
    knowledge = load_knowledge()
    reported = accumulate(user_turns(events))
    reported = replace(reported, reports=reported.reports + check_reports(slots, knowledge))
    therapy_answer = slots.get("therapy")
    known_therapy = therapy_answer if therapy_answer in knowledge.therapies else None
    timing_answer = slots.get("treatment_timing")
    days = reported.days_since_treatment
    if days is None and isinstance(timing_answer, (int, float)):
        days = int(timing_answer)
    elif days is None and isinstance(timing_answer, str):
        days = days_ago(timing_answer, today)
    result = triage(reported.reports, reported.therapy_id or known_therapy, days, reported.temperatures)
    words = therapy_answer if therapy_answer and not known_therapy and therapy_answer != UNKNOWN else None
    return Conversation(
        reported=reported, result=result, treatment_words=words,
        timing=describe_timing(timing_answer, today),
    )


def closing_summary(conversation: Conversation) -> str:
    """What the person reported in this conversation and the advice given, to end on."""
    result = conversation.result
    if not result.symptoms:
        return ("You have not told me about any symptom in this conversation. If anything appears, "
                "contact your care team right away, day or night.")
    lines = ["Here is what you told me:"]
    if result.present:
        lines.append("- Reported: " + ", ".join(
            f"{s.label} ({s.value})" if s.value else s.label for s in result.present) + ".")
    if result.negated:
        lines.append("- Not present: " + ", ".join(s.label for s in result.negated) + ".")
    if result.therapy:
        lines.append(f"- Treatment: {result.therapy.label}.")
    elif conversation.treatment_words:
        lines.append(f"- Treatment, in your words: “{conversation.treatment_words}”.")
    if conversation.timing:
        lines.append(f"- Last given: {conversation.timing}.")
    elif result.days_since_treatment is not None:
        lines.append(f"- Days since treatment: {result.days_since_treatment}.")
    lines.append(f"My advice: {result.advice}")
    return "\n".join(lines)
