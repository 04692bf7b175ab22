"""The follow-up question after a report: caregiver checks, related symptoms, or anything else."""

import pytest

from bot.triage.engine import SymptomReport, triage
from bot.triage.follow_up import (
    ANYTHING_ELSE,
    CAREGIVER_CHECKS,
    RELATED_SYMPTOMS,
    check_answer_in_words,
    next_follow_up,
    related_symptoms,
)
from bot.triage.reply_audit import find_unsafe_phrases


def result_of(*present, negated=()):
    return triage([SymptomReport(s) for s in present] + [SymptomReport(s, negated=True) for s in negated])


def test_after_a_fever_ask_about_the_nervous_system_and_breathing():
    assert related_symptoms(result_of("fever"), []) == ("confusion", "trouble_speaking", "tremor", "trouble_breathing")


def test_after_a_nervous_system_symptom_ask_about_fever_first():
    assert related_symptoms(result_of("confusion"), [])[:2] == ("fever", "trouble_speaking")


def test_never_asks_about_what_was_reported_denied_or_already_asked():
    asked = related_symptoms(result_of("fever", negated=["confusion"]), ["tremor"])
    assert "fever" not in asked and "confusion" not in asked and "tremor" not in asked
    assert asked[:2] == ("trouble_speaking", "trouble_breathing")


def test_nothing_recognised_still_asks_about_the_key_symptoms():
    """Unsure means ask: "she's just off" gets the questions that would find a red flag."""
    assert related_symptoms(result_of(), []) == ("fever", "confusion", "trouble_speaking", "trouble_breathing")


def test_questions_come_to_an_end():
    result = result_of("fever")
    asked = []
    for _ in range(10):
        question = next_follow_up(result, caregiver=False, checks_offered=False, already_asked=asked)
        if question.kind == ANYTHING_ELSE:
            break
        asked += question.symptoms
    assert question.kind == ANYTHING_ELSE


def test_a_caregiver_who_saw_a_nervous_system_change_is_offered_the_checks_once():
    result = result_of("confusion")
    assert next_follow_up(result, caregiver=True, checks_offered=False, already_asked=[]).kind == CAREGIVER_CHECKS
    assert next_follow_up(result, caregiver=True, checks_offered=True, already_asked=[]).kind == RELATED_SYMPTOMS
    assert next_follow_up(result, caregiver=False, checks_offered=False, already_asked=[]).kind == RELATED_SYMPTOMS
    assert (
        next_follow_up(result_of("fever"), caregiver=True, checks_offered=False, already_asked=[]).kind
        == RELATED_SYMPTOMS
    )


def test_no_question_at_all_in_an_emergency():
    result = result_of("seizure", "confusion")
    assert next_follow_up(result, caregiver=True, checks_offered=False, already_asked=[]) is None


def test_related_question_is_plain_and_safe():
    question = next_follow_up(result_of("fever"), caregiver=False, checks_offered=False, already_asked=[])
    assert question.text() == (
        "Have you also noticed confusion, trouble speaking or finding words, shaking or twitching or "
        "trouble breathing? Tell me about it, or about anything else you have noticed, or say no if "
        "there is nothing more."
    )
    assert find_unsafe_phrases(question.text()) == []


@pytest.mark.parametrize("symptom_id", ["fever", "rash", "bleeding", "allergic_reaction", "confusion"])
def test_every_question_only_names_symptoms_it_has_words_for(knowledge, symptom_id):
    question = next_follow_up(result_of(symptom_id), caregiver=False, checks_offered=False, already_asked=[])
    for asked in question.symptoms:
        assert asked in knowledge.follow_up.asked_as


@pytest.mark.parametrize(
    "text,answer",
    [
        ("yes, he kept calling his watch a 'ticker thing'", "changed"),
        ("Yeah.. she said it was 1998 and we were at her mums", "changed"),
        ("yep this morning", "changed"),
        ("a bit, he had to stop halfway through", "changed"),
        ("no", "unchanged"),
        ("nope she got them all right", "unchanged"),
        ("no idea, he's asleep", "not_sure"),
        ("not sure tbh", "not_sure"),
        ("no but he's been writing like a child", None),
        ("he is in bed now", None),
        ("nothing like that", None),
    ],
)
def test_a_caregiver_check_answer_is_read_from_its_opening_words(text, answer):
    assert check_answer_in_words(text) == answer
