"""What to ask after a symptom report, once its advice has been given.

Plain Python over the conversation's triage, so the order of the questions is tested without
Rasa. A caregiver who reported a nervous-system change is first offered the caregiver checks;
then come the related symptoms from the same document lists; then "anything else?". Each is
asked once per conversation, so the questions always come to an end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional, Tuple

from bot.triage import wording
from bot.triage.conversation import may_ask_a_question
from bot.triage.engine import TriageResult, urgency_rank
from bot.triage.knowledge import CHECK_CHANGED, CHECK_UNCHANGED, NOTHING_RECOGNISED, Knowledge, load_knowledge

CAREGIVER_CHECKS, RELATED_SYMPTOMS, ANYTHING_ELSE = "caregiver_checks", "related_symptoms", "anything_else"
MAX_RELATED_PER_QUESTION = 4
NERVOUS_SYSTEM_GROUP = "icans"


@dataclass(frozen=True)
class FollowUpQuestion:
    kind: str
    symptoms: Tuple[str, ...] = ()

    def text(self, knowledge: Optional[Knowledge] = None) -> Optional[str]:
        """The related-symptom question's words; the other kinds are domain responses."""
        if self.kind != RELATED_SYMPTOMS:
            return None
        words = (knowledge or load_knowledge()).follow_up.asked_as
        return wording.related_symptoms_question([words[s] for s in self.symptoms])


def related_symptoms(
    result: TriageResult, already_asked: Iterable[str], knowledge: Optional[Knowledge] = None
) -> Tuple[str, ...]:
    """Symptoms to ask about next: from the groups of what was reported, most urgent first."""
    knowledge = knowledge or load_knowledge()
    related = knowledge.follow_up.related_symptoms
    skip = {s.id for s in result.symptoms} | set(already_asked)
    present = sorted(result.present, key=lambda s: -urgency_rank(s.urgency))
    groups = [g for s in present for g in s.groups] if present else [NOTHING_RECOGNISED]
    wanted = []
    for group in groups:
        for symptom_id in related.get(group, ()):
            if symptom_id not in skip and symptom_id not in wanted:
                wanted.append(symptom_id)
    return tuple(wanted[:MAX_RELATED_PER_QUESTION])


def check_answered_by(message: TriageResult) -> Optional[str]:
    """What a symptom report made while a caregiver check is asked says about that check.

    A nervous-system symptom reported is "yes, that has changed"; one only denied is "no".
    """
    if any(NERVOUS_SYSTEM_GROUP in s.groups for s in message.present):
        return CHECK_CHANGED
    if not message.present and any(NERVOUS_SYSTEM_GROUP in s.groups for s in message.negated):
        return CHECK_UNCHANGED
    return None


def check_answer_in_words(text: str, knowledge: Optional[Knowledge] = None) -> Optional[str]:
    """The answer that a message's opening words give to the caregiver check being asked.

    "yes, he called the remote a phone" is a "yes" even when the words after it name nothing the
    recogniser knows; "no idea" is "not sure", not a "no". A "no ... but ..." says something more,
    so it is no answer: the check is asked again rather than read as "unchanged".
    """
    answers = (knowledge or load_knowledge()).follow_up.check_answers
    words = " ".join(re.sub(r"[^\w\s']", " ", text.lower().replace("’", "'")).split())
    for answer, openings in answers.items():
        opening = next((o for o in openings if words == o or words.startswith(o + " ")), None)
        if opening is None:
            continue
        if answer == CHECK_UNCHANGED and " but " in f" {words[len(opening) :]} ":
            return None
        return answer
    return None


def caregiver_checks_due(result: TriageResult, caregiver: bool, checks_offered: bool) -> bool:
    """A caregiver told us about a nervous-system change, and has not been offered the checks.

    Never when the conversation may ask no question (an emergency).
    """
    return (
        caregiver
        and not checks_offered
        and may_ask_a_question(result.urgency)
        and any(NERVOUS_SYSTEM_GROUP in s.groups for s in result.present)
    )


def next_follow_up(
    result: TriageResult,
    caregiver: bool,
    checks_offered: bool,
    already_asked: Iterable[str],
    knowledge: Optional[Knowledge] = None,
) -> Optional[FollowUpQuestion]:
    """The one question after the advice; none when the conversation may ask no question (an emergency)."""
    if not may_ask_a_question(result.urgency):
        return None
    if caregiver_checks_due(result, caregiver, checks_offered):
        return FollowUpQuestion(CAREGIVER_CHECKS)
    related = related_symptoms(result, already_asked, knowledge)
    if related:
        return FollowUpQuestion(RELATED_SYMPTOMS, related)
    return FollowUpQuestion(ANYTHING_ELSE)
