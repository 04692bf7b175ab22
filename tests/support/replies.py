"""Reading the bot's replies: texts, the structured triage payload, which domain response was sent,
its urgency, and whether a reply is safe."""

from __future__ import annotations

import re
from typing import Callable, Dict, Iterable, List, Optional

from bot.triage import wording
from evaluation.domain_text import load_domain
from tests.support.stack import new_sender

URGENCY_ORDER = ("none", "routine", "urgent", "emergency")
UNCLEAR = "unclear"
CRISIS = "crisis"  # thoughts of suicide or self-harm: the emergency advice with the crisis line
ADVICE_RESPONSE = "utter_symptom_advice"


def texts(messages: Iterable[dict]) -> List[str]:
    return [m["text"] for m in messages if m.get("text")]


def names_care_team(text: str) -> bool:
    return "care team" in text.lower()


def triage_payload(messages: Iterable[dict]) -> Optional[dict]:
    """The structured triage sent by action_triage_symptoms: {"custom": {"triage": {...}}}."""
    for message in messages:
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("triage"), dict):
            return custom["triage"]
    return None


def present_ids(payload: Optional[dict]) -> List[str]:
    return [s["id"] for s in (payload or {}).get("symptoms", []) if not s.get("negated")]


def negated_ids(payload: Optional[dict]) -> List[str]:
    return [s["id"] for s in (payload or {}).get("symptoms", []) if s.get("negated")]


def symptom(payload: Optional[dict], symptom_id: str) -> Optional[dict]:
    return next((s for s in (payload or {}).get("symptoms", []) if s["id"] == symptom_id), None)


CELSIUS_IN_VALUE = re.compile(r"(\d+(?:\.\d+)?)\s*C\b")


def celsius_from_value(value: Optional[str]) -> Optional[float]:
    """The Celsius reading in a fever's value: "39.5 C" or "102 F (38.9 C)"."""
    if not value:
        return None
    found = CELSIUS_IN_VALUE.findall(value)
    return float(found[-1]) if found else None


def _load_domain() -> dict:
    return load_domain()


def response_texts(name: str) -> List[str]:
    """Every variation of a domain response, as the bot sends it."""
    return [v["text"].strip() for v in _load_domain()["responses"][name]]


# A reply to a symptom report ends with a question: the treatment questions, or the follow-up
# question (related symptoms, "anything else?", or the caregiver checks); during the checks, the
# next check.
CHECK_QUESTIONS = (
    "utter_ask_check_orientation",
    "utter_ask_check_naming",
    "utter_ask_check_commands",
    "utter_ask_check_speech_writing",
)
QUESTION_RESPONSES = (
    "utter_ask_therapy",
    "utter_ask_treatment_timing",
    "utter_ask_anything_else",
    "utter_offer_caregiver_checks",
    *CHECK_QUESTIONS,
)
RELATED_QUESTION_START = "Have you also noticed"


def question_asked(text: str) -> Optional[str]:
    """Which question `text` is (a response name, or "related_symptoms"), if it is one."""
    words = " ".join(text.split())
    if words.startswith(RELATED_QUESTION_START):
        return "related_symptoms"
    for name in QUESTION_RESPONSES:
        if any(words == " ".join(variation.split()) for variation in response_texts(name)):
            return name
    return None


def asks_a_question(messages: Iterable[dict]) -> bool:
    """A symptom report's reply is complete: it ends with one of the questions."""
    return any(question_asked(t) for t in texts(messages))


def ends_an_emergency_turn(text: str) -> bool:
    """An emergency turn asks nothing: it ends by saying they can come back when safe."""
    return " ".join(text.split()).endswith(wording.COME_BACK_WHEN_SAFE)


def reply_complete(messages: Iterable[dict]) -> bool:
    """A symptom report's reply is complete: a question, or the end of an emergency turn."""
    sent = texts(messages)
    return any(question_asked(t) or ends_an_emergency_turn(t) for t in sent)


def responses_sent(messages: Iterable[dict]) -> List[str]:
    """Which domain responses the bot sent (by name), in order; other texts as "text: ...".

    Texts from actions are shown by their first words, so that a report says what was answered.
    """
    by_text = {}
    for name, variations in _load_domain()["responses"].items():
        for variation in variations:
            if variation.get("text"):
                by_text.setdefault(variation["text"].strip(), name)
    return [by_text.get(t.strip(), f"text: {t.strip()[:80]!r}") for t in texts(messages)]


def advice_by_text() -> Dict[str, str]:
    """utter_symptom_advice's variations: text -> urgency (the unconditional one is `unclear`)."""
    advice = {}
    for variation in _load_domain()["responses"][ADVICE_RESPONSE]:
        conditions = variation.get("condition") or []
        urgency = next((c["value"] for c in conditions if c.get("name") == "urgency"), UNCLEAR)
        advice[variation["text"].strip()] = urgency
    return advice


def advice_urgency(messages: Iterable[dict], advice: Optional[Dict[str, str]] = None) -> Optional[str]:
    """The urgency of the utter_symptom_advice variation the bot sent, or None if it sent none."""
    advice = advice if advice is not None else advice_by_text()
    for text in texts(messages):
        if text.strip() in advice:
            return advice[text.strip()]
    return None


def urgency_rank(urgency: str) -> int:
    """none < routine < urgent < emergency; `unclear` counts as urgent (unsure means escalate), `crisis`
    as an emergency."""
    return URGENCY_ORDER.index({UNCLEAR: "urgent", CRISIS: "emergency"}.get(urgency, urgency))


def unsafe_phrases(messages: Iterable[dict]) -> List[str]:
    """What bot.triage.reply_audit.find_unsafe_phrases finds in each bot text, as 'text -> phrases'."""
    from bot.triage.reply_audit import find_unsafe_phrases

    found = []
    for text in texts(messages):
        phrases = find_unsafe_phrases(text)
        if phrases:
            found.append(f"{text!r} -> {phrases}")
    return found


class Conversation:
    """One sender's conversation; every turn must get a reply, and every reply must be safe."""

    def __init__(self, send: Callable[[str, str], List[dict]], prefix: str = "e2e") -> None:
        self._send = send
        self.sender = new_sender(prefix)

    def say(self, text: str) -> List[dict]:
        messages = self._send(self.sender, text)
        assert messages, f"no reply to {text!r} (an empty REST answer means handling failed; see the Rasa log)"
        unsafe = unsafe_phrases(messages)
        assert not unsafe, f"unsafe phrases in the reply to {text!r}: {unsafe}"
        if advice_urgency(messages) is not None:
            from bot.triage.reply_audit import asks_before_advising

            assert not asks_before_advising(texts(messages)), f"a question before the advice: {texts(messages)}"
        return messages
