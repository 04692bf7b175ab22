"""A conversation's reports, added up over its turns.

Symptoms accumulate: a symptom reported in any turn stays reported, so a conversation's urgency
never goes down. The latest therapy and timing named win. Plain Python over the entity dicts
that every user turn carries, so it serves the agent-assist channel (reading Rasa's tracker) and
the actions (reading rasa_sdk's) alike.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, List, Optional

from bot.entities import ReportedInMessage, reports_from_entities
from bot.triage import TriageResult, triage


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


def closing_summary(result: TriageResult) -> str:
    """What the person reported in this conversation and the advice given, to end on."""
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
    if result.days_since_treatment is not None:
        lines.append(f"- Days since treatment: {result.days_since_treatment}.")
    lines.append(f"My advice: {result.advice}")
    return "\n".join(lines)
