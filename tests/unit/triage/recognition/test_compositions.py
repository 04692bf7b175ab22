"""Compositional rules: a body part and what happened to it, in combinations no phrase lists."""

import pytest

from bot.triage.engine import triage


@pytest.mark.parametrize(
    "text,symptom_id",
    [
        ("her top lip has ballooned since the jab", "face_swelling"),
        ("tongue's gone all thick and weird", "face_swelling"),
        ("her eyelids have puffed right up", "face_swelling"),
        ("left arm's gone dead and he can't lift it", "one_sided_weakness"),
        ("her smile has gone lopsided", "one_sided_weakness"),
        ("he coughed up some blood in the sink", "coughing_or_vomiting_blood"),
        ("my chest feels like it's in a vice", "chest_pain"),
        ("she's fighting for every breath", "trouble_breathing"),
        ("you can see his ribs sucking in when he breathes", "trouble_breathing"),
    ],
)
def test_a_part_and_a_change_make_a_red_flag(extractor, text, symptom_id):
    extraction = extractor.extract(text)
    assert symptom_id in extraction.present_ids()
    assert triage(extraction.reports).urgency == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "he didn't know what year it was",
        "mum couldn't remember where she was this morning",
        "he doesn't recognise his own daughter",
    ],
)
def test_a_symptom_that_is_itself_a_negation_is_present(extractor, text):
    assert "confusion" in extractor.extract(text).present_ids()


@pytest.mark.parametrize(
    "text,symptom_id",
    [
        ("I don't know what day his next dose is", "confusion"),
        ("his lips aren't swollen, I checked", "face_swelling"),
        ("he hurt his arm on the left side of the door", "one_sided_weakness"),
        ("she told me, her chest x-ray was fine", "chest_pain"),
    ],
)
def test_near_misses_are_not_symptoms(extractor, text, symptom_id):
    assert symptom_id not in extractor.extract(text).present_ids()


@pytest.mark.parametrize(
    "text,symptom_id",
    [
        ("hives all over his arms, breathing fine though", "trouble_breathing"),
        ("temp normal tonight, 36.8", "fever"),
        ("she knows where she is and who I am", "confusion"),
        ("did the writing test, handwriting normal", "handwriting_change"),
    ],
)
def test_saying_a_part_is_normal_denies_the_symptom(extractor, text, symptom_id):
    assert symptom_id in extractor.extract(text).negated_ids()


@pytest.mark.parametrize(
    "text,symptom_id",
    [
        ("his breathing isn't right, fast and noisy", "trouble_breathing"),
        ("her speech is not normal today", "trouble_speaking"),
        ("he doesn't know where he is", "confusion"),
    ],
)
def test_a_normal_state_denied_is_a_report(extractor, text, symptom_id):
    assert symptom_id in extractor.extract(text).present_ids()
