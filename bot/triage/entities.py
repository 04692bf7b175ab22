"""The bridge between an extraction and Rasa's entity dicts, both ways, in plain Python.

The NLU component writes entities with `extraction_to_entities`; the actions read them back with
`reports_from_entities`. Keeping both here means the format is defined, and tested, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, List, Optional

from bot.triage.engine import HYPOTHETICAL, NEGATED, RESOLVED, SymptomReport
from bot.triage.knowledge import most_specific_therapy
from bot.triage.recognition.mentions import Extraction

EXTRACTOR_NAME = "SymptomEntityExtractor"
EMERGENCY_DESCRIBED = "described"


def _entity(entity: str, value, start: int, end: int, **extra) -> dict:
    return {
        "entity": entity,
        "value": value,
        "start": start,
        "end": end,
        "confidence_entity": 1.0,
        "extractor": EXTRACTOR_NAME,
        **extra,
    }


def extraction_to_entities(extraction: Extraction, urgency: Optional[str], text: str) -> List[dict]:
    """Entities for one message: symptoms (role: how the mention is asserted), temperatures, therapy,
    timing."""
    entities = [
        _entity(
            "symptom",
            m.symptom_id,
            m.start,
            m.end,
            role=m.assertion,
            text=m.text,
            red_flag=m.red_flag,
            worse=m.worse,
            **({"reading": m.value} if m.value else {}),
        )
        for m in extraction.mentions
    ]
    entities += [
        _entity("temperature", t.display(), t.start, t.end, text=t.text, celsius=t.celsius)
        for t in extraction.temperatures
    ]
    entities += [_entity("therapy", t.therapy_id, t.start, t.end, text=t.text) for t in extraction.therapies]
    whole = (0, len(text))
    if extraction.days_since_treatment is not None:
        entities.append(_entity("days_since_treatment", extraction.days_since_treatment, *whole))
    if extraction.caregiver:
        entities.append(_entity("reporter", "caregiver", *whole))
    if extraction.emergency_described:
        entities.append(_entity("emergency", EMERGENCY_DESCRIBED, *whole))
    if urgency:
        entities.append(_entity("urgency", urgency, *whole))
    return entities


@dataclass(frozen=True)
class ReportedInMessage:
    reports: List[SymptomReport]
    therapy_id: Optional[str]
    days_since_treatment: Optional[int]
    caregiver: bool
    temperatures: List[str]
    emergency_described: bool = False
    # Symptoms asked about as what could happen ("what if he has a fit?"): a question, not a report.
    asked_about: List[str] = field(default_factory=list)


def reports_from_entities(entities: Iterable[dict]) -> ReportedInMessage:
    """What a message reported, read back from its entities (ours only, not DIET's)."""
    reports, therapy_ids, temperatures, days, caregiver, emergency = [], [], [], None, False, False
    asked_about: List[str] = []
    for entity in entities:
        if entity.get("extractor") != EXTRACTOR_NAME:
            continue
        kind = entity.get("entity")
        if kind == "symptom" and entity.get("role") == HYPOTHETICAL:
            asked_about.append(entity["value"])
        elif kind == "symptom":
            reports.append(
                SymptomReport(
                    symptom_id=entity["value"],
                    negated=entity.get("role") == NEGATED,
                    resolved=entity.get("role") == RESOLVED,
                    red_flag=bool(entity.get("red_flag")),
                    text=entity.get("text", ""),
                    value=entity.get("reading"),
                    worse=bool(entity.get("worse")),
                )
            )
        elif kind == "temperature":
            temperatures.append(entity["value"])
        elif kind == "therapy":
            therapy_ids.append(entity["value"])
        elif kind == "days_since_treatment":
            days = int(entity["value"])
        elif kind == "reporter":
            caregiver = entity["value"] == "caregiver"
        elif kind == "emergency":
            emergency = entity["value"] == EMERGENCY_DESCRIBED
    therapy = most_specific_therapy(therapy_ids)
    return ReportedInMessage(
        reports=reports,
        therapy_id=therapy,
        days_since_treatment=days,
        caregiver=caregiver,
        temperatures=temperatures,
        emergency_described=emergency,
        asked_about=list(dict.fromkeys(asked_about)),
    )
