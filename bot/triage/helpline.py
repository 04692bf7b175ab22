"""What a helpline agent needs: the structured triage, words to say, and a note for the call log.

Plain Python. The words to say are the same safety advice the chat gives (the urgency's advice
from the knowledge base), put to the caller, followed by what the documents say; the note
records what was reported, what was denied, therapy and timing, the urgency and the advice given.
"""

from __future__ import annotations

from typing import Iterable, List

from bot.conversation import accumulate, triage_reported
from bot.entities import ReportedInMessage
from bot.triage import TriageResult, TriagedSymptom


def _described(symptom: TriagedSymptom) -> str:
    if symptom.value:
        return f"{symptom.label} ({symptom.value})"
    if symptom.text and symptom.text.lower() != symptom.label.lower():
        return f"{symptom.label} (“{symptom.text}”)"
    return symptom.label


def _listed(items: List[str]) -> str:
    if not items:
        return "none"
    return ", ".join(items)


def script(result: TriageResult) -> str:
    """What the agent can say to the caller: the advice first, then what the documents say."""
    parts = []
    if result.present:
        parts.append(f"You have told me about: {_listed([s.label for s in result.present])}.")
    parts.append(result.advice)
    listing = next((g for g in result.guidance if " listed among " in g.text), None)
    if listing:
        parts.append(f"The patient-education documents say: {listing.text.rstrip('.')} ({result.citations[listing.source]}).")
    return " ".join(parts)


def summary(result: TriageResult, reported: ReportedInMessage) -> str:
    """One paragraph for the call log."""
    who = "Caregiver" if reported.caregiver else "Caller"
    sentences = [f"{who} reports: {_listed([_described(s) for s in result.present])}."]
    if result.negated:
        sentences.append(f"Denies: {_listed([s.label for s in result.negated])}.")
    readings = [t for t in result.temperatures if not any(s.value == t for s in result.present)]
    if readings:
        sentences.append(f"Temperature readings: {_listed(readings)}.")
    therapy = result.therapy.label if result.therapy else "not stated"
    sentences.append(f"Therapy: {therapy}.")
    if result.days_since_treatment is not None:
        sentences.append(f"Days since treatment: {result.days_since_treatment}.")
    red_flags = [s.label for s in result.present if s.red_flag]
    if red_flags:
        sentences.append(f"Red flags: {_listed(red_flags)}.")
    sentences.append(f"Urgency: {result.urgency}.")
    sentences.append(f"Advice given: {result.advice}")
    if result.sources:
        sentences.append("Sources: " + "; ".join(s.citation() for s in result.sources) + ".")
    return " ".join(sentences)


def agent_assist_response(conversation_id: str, turns: Iterable[Iterable[dict]]) -> dict:
    """The agent-assist API's answer for a call so far, each turn given as its entities."""
    reported = accumulate(turns)
    result = triage_reported(reported)
    body = result.as_dict()
    return {
        "conversation_id": conversation_id,
        "urgency": result.urgency,
        "symptoms": body["symptoms"],
        "guidance": body["guidance"],
        "sources": body["sources"],
        "script": script(result),
        "summary": summary(result, reported),
        "groups": body["groups"],
        "advice": result.advice,
        "therapy": body["therapy"],
        "days_since_treatment": result.days_since_treatment,
        "temperatures": body["temperatures"],
        "caregiver": reported.caregiver,
    }
