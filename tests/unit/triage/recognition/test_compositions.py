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
        ("my chest's gone all tight since i sat down", "chest_pain"),
        ("tight chest tonight, probably nothing", "chest_pain"),
        ("he swings for us when we try to get him back into bed", "agitation"),
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
        ("no tightness in my chest, just this cough", "chest_pain"),
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


@pytest.mark.parametrize(
    "text,symptom_id",
    [
        ("he went rigid all over then his arms started jerking", "seizure"),
        ("she's slumped on the floor by the bed", "fainting_collapse"),
        ("he slipped off the loo and he's just lying there", "fainting_collapse"),
    ],
)
def test_an_emergency_told_as_what_happened_is_an_emergency(extractor, text, symptom_id):
    extraction = extractor.extract(text)
    assert symptom_id in extraction.present_ids()
    assert triage(extraction.reports).urgency == "emergency"


@pytest.mark.parametrize(
    "text",
    ["he keeps asking what day it is, over and over", "asks me the date again and again", "she isnt making any sense"],
)
def test_the_same_question_over_and_over_or_no_sense_is_confusion(extractor, text):
    assert "confusion" in extractor.extract(text).present_ids()


def test_asking_the_date_again_and_again_is_confusion(extractor):
    assert "confusion" in extractor.extract("she keeps asking what the date is, every few minutes").present_ids()


@pytest.mark.parametrize(
    "text,symptom_id",
    [
        ("no temp tonight", "fever"),
        ("he hasn't had any fits since yesterday's one", "seizure"),
        ("hives on her back, lips not swollen", "face_swelling"),
        ("bad head but his neck moves ok", "stiff_neck"),
        ("sats 97, pulse 78, bp 126/80, temp 36.7", "low_oxygen"),
        ("sats 97, pulse 78, bp 126/80, temp 36.7", "fast_heartbeat"),
        ("sats 97, pulse 78, bp 126/80, temp 36.7", "blood_pressure_change"),
        ("sats 97, pulse 78, bp 126/80, temp 36.7", "fever"),
    ],
)
def test_denials_people_type_and_normal_readings_are_denials(extractor, text, symptom_id):
    assert symptom_id in extractor.extract(text).negated_ids()


def test_a_word_that_names_a_symptom_only_when_denied_names_nothing_otherwise(extractor):
    assert extractor.extract("took his temp, waiting for it to beep").present_ids() == set()
    assert "stiff_neck" in extractor.extract("headache and a stiff neck").present_ids()


@pytest.mark.parametrize(
    "text,symptom_id",
    [
        ("mum's been chatting away to people who aren't in the room", "confusion"),
        ("he put his phone in the freezer and can't say why", "confusion"),
        ("she's convinced the carers are stealing from her", "confusion"),
        ("he keeps using the wrong words for things, called his glasses a cup", "trouble_speaking"),
        ("his sentences trail off halfway and he looks lost", "trouble_speaking"),
        ("her answers are all jumbled, words in the wrong order", "trouble_speaking"),
    ],
)
def test_behaviour_instead_of_a_symptom_word(extractor, text, symptom_id):
    extraction = extractor.extract(text)
    assert symptom_id in extraction.present_ids()
    assert triage(extraction.reports).urgency in ("urgent", "emergency")


def test_a_noisy_struggling_breath_is_an_emergency(extractor):
    extraction = extractor.extract("he's straining and noisy with every breath")
    assert triage(extraction.reports).urgency == "emergency"


def test_a_cramped_neck_with_a_fever_and_a_headache_is_an_emergency(extractor):
    extraction = extractor.extract("bad headache since his step up dose, neck is all cramped, temp 38.9")
    assert "stiff_neck" in extraction.present_ids()
    assert triage(extraction.reports).urgency == "emergency"
