"""The kinds of message the issue "Recognition that generalizes" found missed, one test each, in
this file's own wording (none is copied from a test set or from the issue)."""

import pytest

from bot.triage.engine import triage


def urgency(extractor, text):
    extraction = extractor.extract(text)
    return triage(extraction.reports, temperatures=extraction.readings).urgency


@pytest.mark.parametrize(
    "text",
    [
        "he went rigid in his chair and then his arms and legs were jerking for ages",
        "found her slumped on the floor, eyes open, she won't answer me",
        "her bottom lip has puffed right up since the injection",
        "he's fighting for every breath and it sounds really noisy",
    ],
)
def test_an_emergency_told_as_a_story(extractor, text):
    assert urgency(extractor, text) == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "she keeps asking what the date is, every five minutes",
        "he's been chatting to people who aren't there",
        "found she'd put the milk in the oven",
        "dad's convinced the nurses are poisoning him",
        "her words are coming out jumbled",
        "his sentences trail off halfway",
    ],
)
def test_behaviour_instead_of_a_symptom_word_is_urgent(extractor, text):
    assert urgency(extractor, text) == "urgent"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("pulse ox says 88", "emergency"),
        ("heart rate 140 and he's just lying in bed", "emergency"),
        ("bp 86 over 52", "emergency"),
        ("temp 38,7", "urgent"),
        ("she was 37.6 at lunch and now 38.2", "urgent"),
        ("temp 34.9 and she feels cold", "emergency"),
    ],
)
def test_numbers_read_off_home_devices(extractor, text, expected):
    assert urgency(extractor, text) == expected


def test_a_mild_symptom_does_not_hide_a_serious_one(extractor):
    assert urgency(extractor, "some itchy spots on his arms and his tongue feels fat") == "emergency"


@pytest.mark.parametrize(
    "text,symptom_id",
    [
        ("nothing we do brings her fever down", "fever"),
        ("she's no better, still muddled", "confusion"),
        ("his hands haven't stopped trembling all day", "tremor"),
        ("he didn't know what year it was this morning", "confusion"),
        ("the fever broke last night but now he can't get his words out", "trouble_speaking"),
    ],
)
def test_assertion_errors_the_issue_found(extractor, text, symptom_id):
    assert symptom_id in extractor.extract(text).present_ids()


@pytest.mark.parametrize(
    "text",
    [
        "raging headache and his neck's gone stiff",
        "38.6 and she can't bend her neck",
        "she's really muddled and says her neck is stiff",
        "temp 38.4, his skin's cold and clammy and blotchy",
    ],
)
def test_symptoms_that_together_are_a_red_flag(extractor, text):
    assert urgency(extractor, text) == "emergency"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("he swung for the nurse and tried to climb out the window", "emergency"),
        ("her nose has been pouring blood for an hour", "emergency"),
        ("his left hand has stopped working, can't grip the cup", "emergency"),
        ("he bumped his head on the cupboard", "none"),
        ("bit of a headache, neck's fine", "urgent"),
    ],
)
def test_risk_to_self_or_others_bleeding_that_will_not_stop_and_one_sided_weakness(extractor, text, expected):
    assert urgency(extractor, text) == expected


@pytest.mark.parametrize(
    "text",
    ["hives came up after the jab and now I can't catch my breath", "covered in hives and feeling faint and dizzy"],
)
def test_hives_with_breathing_trouble_or_faintness_is_an_emergency(extractor, text):
    assert urgency(extractor, text) == "emergency"


@pytest.mark.parametrize(
    "text,symptom_id,red_flag",
    [
        ("he was staring into space smacking his lips and wouldnt answer me", "seizure", True),
        ("mum just stared at the telly making chewing movements, couldnt get through to her", "seizure", True),
        ("his writing has gone all spidery, he couldnt sign his name on the form", "handwriting_change", False),
        ("my handwriting is all over the place today", "handwriting_change", False),
        ("not once has the headache let up since yesterday", "headache", False),
    ],
)
def test_what_it_looked_like_and_what_has_not_stopped(extractor, text, symptom_id, red_flag):
    extraction = extractor.extract(text)
    reports = {r.symptom_id: r for r in extraction.reports}
    assert symptom_id in reports and not reports[symptom_id].negated, reports
    assert (triage(extraction.reports).urgency == "emergency") == red_flag


def test_a_stare_they_answer_from_is_no_seizure(extractor):
    assert (
        "seizure"
        not in extractor.extract("he stared out the window all afternoon, answered fine when i called").present_ids()
    )


@pytest.mark.parametrize(
    "text,symptom_id,emergency",
    [
        ("he took a swing at me when i tried to give him his tablets", "agitation", True),
        ("pulled her cannula out in the night, thought it was a worm", "agitation", True),
        ("went grey, froth round his lips, then shaking", "seizure", True),
        ("she just dropped in the kitchen, out for a few seconds", "fainting_collapse", True),
        ("went heavy on my arm and slid down the wall", "fainting_collapse", True),
        ("his fingers are puffing up and tingly", "swelling", False),
        ("a red itchy lump where they injected the tecvayli", "skin_reaction", False),
        ("the word i want just wont come out", "trouble_speaking", False),
        ("he hasnt kept a thing down since breakfast", "vomiting", False),
        ("feet havent stopped swelling", "swelling", False),
    ],
)
def test_fourth_blind_set_categories_in_new_words(extractor, text, symptom_id, emergency):
    extraction = extractor.extract(text)
    assert symptom_id in extraction.present_ids(), [(r.symptom_id, r.negated) for r in extraction.reports]
    assert (triage(extraction.reports).urgency == "emergency") == emergency


@pytest.mark.parametrize(
    "text,denied",
    [("she's keeping fluids down fine", "vomiting"), ("pulse ox says 98 and heart 70", "low_oxygen")],
)
def test_normal_states_deny(extractor, text, denied):
    extraction = extractor.extract(text)
    assert denied in extraction.negated_ids() and not extraction.present_ids(), extraction.reports


@pytest.mark.parametrize("text", ["he seems off", "she's just not right today", "mum is really off colour today"])
def test_unwell_without_a_symptom_is_said(extractor, text):
    extraction = extractor.extract(text)
    assert extraction.unwell_described and not extraction.present_ids()


def test_a_walk_is_not_a_faint(extractor):
    assert not extractor.extract("went out for a few minutes to the shop, pulled me a pint").present_ids()
