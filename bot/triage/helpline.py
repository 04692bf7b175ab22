"""What a helpline agent needs: the structured triage, words to say, and a note for the call log.

Plain Python. The words to say are the same safety advice the chat gives (the urgency's advice,
bot/triage/wording.py), put to the caller, followed by what the documents say; the note
records what was reported, what was denied, therapy and timing, the urgency and the advice given.
"""

from __future__ import annotations

from bot.triage import wording
from bot.triage.conversation import Conversation
from bot.triage.engine import UNCLEAR, TriagedSymptom, TriageResult


def _inferred(symptom: TriagedSymptom) -> bool:
    """Found by the learned recogniser alone: no words of theirs matched, no reading."""
    return not symptom.text and symptom.value is None


def _described(symptom: TriagedSymptom) -> str:
    label = wording.resolved_label(symptom.label) if symptom.resolved else symptom.label
    if symptom.value:
        return f"{label} ({symptom.value})"
    if symptom.text and symptom.text.lower() != symptom.label.lower():
        return f"{label} (“{symptom.text}”)"
    return label


def script(result: TriageResult) -> str:
    """What the agent can say to the caller: the advice first, then what the documents say."""
    listing = next((g for g in result.guidance if " listed among " in g.text), None)
    return wording.agent_script(
        [s.label for s in result.present],
        result.advice,
        listing.text if listing else None,
        result.citations[listing.source] if listing else "",
    )


def summary(result: TriageResult, caregiver: bool) -> str:
    """One paragraph for the call log."""
    return wording.call_log_note(
        caregiver=caregiver,
        reported=[_described(s) for s in result.present if not _inferred(s)],
        inferred=[s.label for s in result.present if _inferred(s)],
        denied=[s.label for s in result.negated if not _inferred(s)],
        inferred_denied=[s.label for s in result.negated if _inferred(s)],
        readings=[t for t in result.temperatures if not any(s.value == t for s in result.present)],
        therapy_label=result.therapy.label if result.therapy else None,
        days_since_treatment=result.days_since_treatment,
        red_flags=[s.label for s in result.present if s.red_flag]
        + ([wording.EMERGENCY_IN_THEIR_WORDS] if result.emergency_described else []),
        urgency=result.urgency,
        advice=result.advice,
        source_citations=[s.citation() for s in result.sources],
    )


def agent_assist_response(conversation_id: str, conversation: Conversation, unclear: bool = False) -> dict:
    """The agent-assist API's answer for a call so far: the same triage as the chat's. `unclear`:
    the caller reported something the assistant did not recognise (the chat's "unclear"); with
    nothing reported in the call (denials and normal readings report nothing), the answer is
    "unclear" with the chat's urgent advice, never "none"."""
    result = conversation.result
    caregiver = conversation.reported.caregiver
    body = result.as_dict()
    if unclear and not result.present:
        urgency, advice = UNCLEAR, wording.URGENCY_ADVICE[UNCLEAR]
        said, note = wording.agent_script([], advice, None, ""), wording.UNCLEAR_CALL_NOTE + " " + advice
    else:
        urgency, advice = result.urgency, result.advice
        said, note = script(result), summary(result, caregiver)
    return {
        "conversation_id": conversation_id,
        "urgency": urgency,
        "symptoms": body["symptoms"],
        "guidance": body["guidance"],
        "sources": body["sources"],
        "script": said,
        "summary": note,
        "groups": body["groups"],
        "advice": advice,
        "therapy": body["therapy"],
        "days_since_treatment": result.days_since_treatment,
        "temperatures": body["temperatures"],
        "caregiver": caregiver,
    }
