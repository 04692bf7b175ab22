"""A conversation added up: what was reported over its turns, with the treatment answers and the
caregiver checks from its slots, and its triage. One function, `add_up`, used by every action, the
closing summary and agent assist, so that the chat and a helpline agent always see the same triage.

Symptoms accumulate: a symptom reported in any turn stays reported, and a conversation's urgency
never goes below the highest it was already told. The latest therapy and timing named win. What
the turns reported and that highest urgency are kept (the slot `triage_state`, as
`ConversationState.as_slot()`), so each turn adds only its own message: the work per turn does not
grow with the conversation. Plain Python over the event and entity dicts, so it serves Rasa's
tracker (agent assist) and rasa_sdk's (the actions) alike.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any, Callable, Iterable, List, Mapping, Optional, Sequence, Tuple

from bot.triage import wording
from bot.triage.engine import SymptomReport, TriageResult, merge_reports, triage, urgency_rank
from bot.triage.entities import ReportedInMessage, reports_from_entities
from bot.triage.knowledge import CHECK_CHANGED, URGENCY_LEVELS, Knowledge, load_knowledge
from bot.triage.recognition.treatment_dates import days_ago, describe_timing

UNKNOWN = "unknown"
STATE_SLOT = "triage_state"
# The conversation's urgency as last told (set by action_triage_symptoms, read by the treatment form).
URGENCY_SLOT = "conversation_urgency"
NO_URGENCY = URGENCY_LEVELS[0]
NOTHING_REPORTED = ReportedInMessage(
    reports=[], therapy_id=None, days_since_treatment=None, caregiver=False, temperatures=[]
)


def may_ask_a_question(conversation_urgency: Optional[str]) -> bool:
    """Whether a turn of a conversation with this urgency may ask anything: the treatment questions,
    the follow-up question, the caregiver checks. Not in an emergency: after "call emergency services
    now" the one thing to do is call, and a question would come between the person and the phone;
    the turn ends instead by saying they can come back when everyone is safe. A conversation's
    urgency never goes down, so once it is an emergency nothing more is asked."""
    return conversation_urgency != "emergency"


def accumulate(turns: Iterable[Iterable[dict]], start: ReportedInMessage = NOTHING_REPORTED) -> ReportedInMessage:
    """`start` and everything reported over the turns, each turn given as its entities, one report
    per symptom (the engine merges mentions the same way, so keeping them merged changes nothing)."""
    reports, temperatures = list(start.reports), list(start.temperatures)
    therapy_id, days, caregiver = start.therapy_id, start.days_since_treatment, start.caregiver
    emergency_described = start.emergency_described
    present_before = {r.symptom_id for r in reports if not r.negated}
    for entities in turns:
        turn = reports_from_entities(entities)
        # A symptom reported present again in a later turn counts as getting worse.
        reports.extend(
            replace(r, worse=True) if not r.negated and r.symptom_id in present_before else r for r in turn.reports
        )
        present_before |= {r.symptom_id for r in turn.reports if not r.negated}
        temperatures.extend(turn.temperatures)
        therapy_id = turn.therapy_id or therapy_id
        days = turn.days_since_treatment if turn.days_since_treatment is not None else days
        caregiver = caregiver or turn.caregiver
        emergency_described = emergency_described or turn.emergency_described
    return ReportedInMessage(
        reports=merge_reports(reports),
        emergency_described=emergency_described,
        therapy_id=therapy_id,
        days_since_treatment=days,
        caregiver=caregiver,
        temperatures=temperatures,
    )


@dataclass(frozen=True)
class ConversationState:
    """What the user turns of this session reported, through the user event stamped `through`, and
    the highest urgency the session was told: its urgency never goes below that."""

    reported: ReportedInMessage = NOTHING_REPORTED
    through: Optional[float] = None
    highest_urgency: str = NO_URGENCY

    def as_slot(self) -> dict:
        return {"reported": asdict(self.reported), "through": self.through, "highest_urgency": self.highest_urgency}

    @classmethod
    def from_slot(cls, value: Any) -> Optional["ConversationState"]:
        """The kept state, or None when the slot holds none (or one this version cannot read)."""
        if not isinstance(value, dict) or not isinstance(value.get("reported"), dict):
            return None
        highest_urgency = value.get("highest_urgency", NO_URGENCY)
        if highest_urgency not in URGENCY_LEVELS:
            return None
        try:
            reported = dict(value["reported"])
            reported["reports"] = [SymptomReport(**r) for r in reported["reports"]]
            return cls(
                reported=ReportedInMessage(**reported), through=value.get("through"), highest_urgency=highest_urgency
            )
        except (KeyError, TypeError):
            return None


SESSION_BOUNDARIES = ("session_started", "restart")


def _event_kind(event: Mapping[str, Any]) -> Optional[str]:
    return event.get("event")


def _event_time(event: Mapping[str, Any]) -> Optional[float]:
    return event.get("timestamp")


def _reading_start(
    events: Sequence[Any],
    kept: Optional[ConversationState],
    kind: Callable[[Any], Optional[str]],
    timestamp: Callable[[Any], Optional[float]],
) -> Tuple[int, bool]:
    """Where adding up reads `events` from, read backwards from the newest: (index, kept still holds).

    The kept state holds when its last user event is found before the session started again (a
    session start or a restart): adding up reads the user events after it. Otherwise it reads every
    user event since the session started (since the first event when none did).
    """
    through = kept.through if kept is not None else None
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        event_kind = kind(event)
        if event_kind == "user" and through is not None and timestamp(event) == through:
            return index, True
        if event_kind in SESSION_BOUNDARIES:
            return index, False
    return 0, False


def first_event_read(
    events: Sequence[Any],
    state_slot: Any,
    kind: Callable[[Any], Optional[str]] = _event_kind,
    timestamp: Callable[[Any], Optional[float]] = _event_time,
) -> int:
    """The index of the first of `events` that `add_up` reads, with the slot `triage_state` holding
    `state_slot`: the events before it cannot change the conversation's triage. `kind` and
    `timestamp` read an event (Rasa's events in the server, their dicts in the actions), so that what
    the server sends the actions (bot/server/action_request.py) is exactly what they read."""
    return _reading_start(events, ConversationState.from_slot(state_slot), kind, timestamp)[0]


def _new_user_events(events: Sequence[dict], kept: Optional[ConversationState]) -> Tuple[bool, List[dict]]:
    """The user events after the kept state: (kept still holds, events)."""
    start, holds = _reading_start(events, kept, _event_kind, _event_time)
    return holds, [event for event in events[start + holds :] if event.get("event") == "user"]


def _entities(user_event: dict) -> List[dict]:
    return (user_event.get("parse_data") or {}).get("entities", [])


def check_reports(slots: Mapping[str, Any], knowledge: Optional[Knowledge] = None) -> List[SymptomReport]:
    """The caregiver checks answered "yes, that has changed", as reports of the symptom each puts into words."""
    checks = (knowledge or load_knowledge()).follow_up.caregiver_checks
    return [
        SymptomReport(symptom_id=check.symptom, text=f"caregiver check: {check.change}")
        for check in checks
        if slots.get(check.slot) == CHECK_CHANGED
    ]


@dataclass(frozen=True)
class Conversation:
    """A conversation so far: what was reported, its triage, and the treatment as the person put it."""

    reported: ReportedInMessage  # the user turns and the caregiver checks
    result: TriageResult
    treatment_words: Optional[str]  # the person's answer when it names no therapy we know
    timing: Optional[str]  # when the treatment was last given, as the summary shows it
    state: ConversationState  # what the turns reported, to keep for the next turn


def add_up(events: Sequence[dict], slots: Mapping[str, Any], today: date) -> Conversation:
    """The conversation's triage: its user turns (from the kept state on), the caregiver checks
    answered "yes", and the treatment questions' answers, never below the highest urgency the
    conversation was already told."""
    knowledge = load_knowledge()
    kept = ConversationState.from_slot(slots.get(STATE_SLOT))
    holds, new_events = _new_user_events(events, kept)
    before = kept if holds else ConversationState()
    from_turns = accumulate((_entities(e) for e in new_events), before.reported)
    through = new_events[-1].get("timestamp") if new_events else before.through

    reported = replace(from_turns, reports=from_turns.reports + check_reports(slots, knowledge))
    therapy_answer = slots.get("therapy")
    known_therapy = therapy_answer if therapy_answer in knowledge.therapies else None
    timing_answer = slots.get("treatment_timing")
    days = reported.days_since_treatment
    if days is None and isinstance(timing_answer, (int, float)):
        days = int(timing_answer)
    elif days is None and isinstance(timing_answer, str):
        days = days_ago(timing_answer, today)
    result = triage(
        reported.reports,
        reported.therapy_id or known_therapy,
        days,
        reported.temperatures,
        emergency_described=reported.emergency_described,
    )
    told = before.highest_urgency
    if urgency_rank(told) > urgency_rank(result.urgency):
        # Never lower than what the conversation was already told: a rash reported before the
        # treatment was named got the right-away advice, and naming lenalidomide does not undo it.
        result = replace(result, urgency=told, advice=wording.URGENCY_ADVICE[told])
    words = therapy_answer if therapy_answer and not known_therapy and therapy_answer != UNKNOWN else None
    return Conversation(
        reported=reported,
        result=result,
        treatment_words=words,
        timing=describe_timing(timing_answer, today),
        state=ConversationState(reported=from_turns, through=through, highest_urgency=result.urgency),
    )


def closing_summary(conversation: Conversation) -> str:
    """What the person reported in this conversation and the advice given, to end on."""
    result = conversation.result
    if not result.symptoms:
        return wording.NOTHING_REPORTED
    return wording.summary_lines(
        reported=[
            (wording.resolved_label(s.label) if s.resolved else s.label) + (f" ({s.value})" if s.value else "")
            for s in result.present
        ],
        not_present=[s.label for s in result.negated],
        therapy_label=result.therapy.label if result.therapy else None,
        treatment_words=conversation.treatment_words,
        timing=conversation.timing,
        days_since_treatment=result.days_since_treatment,
        advice=result.advice,
    )
