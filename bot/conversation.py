"""A conversation's reports, added up over its turns.

Symptoms accumulate: a symptom reported in any turn stays reported, so a conversation's urgency
never goes down. The latest therapy and timing named win. Plain Python over the entity dicts
that every user turn carries, so it serves the agent-assist channel (reading Rasa's tracker) and
the actions (reading rasa_sdk's) alike.
"""

from __future__ import annotations

from typing import Iterable, Optional

from bot.entities import ReportedInMessage, reports_from_entities


def accumulate(turns: Iterable[Iterable[dict]]) -> ReportedInMessage:
    """Everything reported over the turns, each turn given as its entities."""
    reports, temperatures = [], []
    therapy_id: Optional[str] = None
    days: Optional[int] = None
    caregiver = False
    for entities in turns:
        turn = reports_from_entities(entities)
        reports.extend(turn.reports)
        temperatures.extend(turn.temperatures)
        therapy_id = turn.therapy_id or therapy_id
        days = turn.days_since_treatment if turn.days_since_treatment is not None else days
        caregiver = caregiver or turn.caregiver
    return ReportedInMessage(
        reports=reports, therapy_id=therapy_id, days_since_treatment=days, caregiver=caregiver,
        temperatures=temperatures,
    )

