"""How each mention is asserted (present, negated, hypothetical, resolved), on lay wording.

The messages are this file's own wording for the kinds of errors the issue lists; none is copied
from a test set.
"""

import pytest

from bot.triage.engine import HYPOTHETICAL, NEGATED, PRESENT, RESOLVED, triage
from evaluation.assertion import message_assertion


def assertions(extractor, text):
    return message_assertion(extractor.extract(text).mentions)


@pytest.mark.parametrize(
    "text,symptom_id",
    [
        # pseudo-negations: a negation word that does not deny the symptom
        ("his hands havent stopped shaking since tea time", "tremor"),
        ("she cant stop shivering under two duvets", "chills"),
        ("no let up on the diarrhoea, 6 times today", "diarrhea"),
        ("i cant shift this headache, 3 days now", "headache"),
        ("theres no getting away from the nausea", "nausea"),
        ("no improvement in the rash, its up his neck now", "rash"),
        ("not a day goes by without him being sick", "vomiting"),
        ("never had a headache like this before, pounding", "headache"),
        ("wasnt long after his dose that the shivers kicked in", "chills"),
        ("theres no stopping the bleeding from her gums", "bleeding"),
        ("never seen her this wiped out, she cant lift a cup", "fatigue"),
        ("ive never seen a rash like that on him before", "rash"),
        # a negated phrase that is itself the symptom
        ("mum couldn't remember what year it is", "confusion"),
        # a caregiver's report is the patient's, not someone else's
        ("my husband had a seizure in the kitchen", "seizure"),
        ("my wife has a fever of 38.6", "fever"),
    ],
)
def test_words_that_only_look_like_denials_report_the_symptom(extractor, text, symptom_id):
    assert assertions(extractor, text).get(symptom_id) in (PRESENT, RESOLVED)


@pytest.mark.parametrize(
    "text,symptom_id",
    [
        ("no fever tonight, 36.9 on the ear thing", "fever"),
        ("she isnt confused at all, doing her crossword", "confusion"),
        ("no shaking and no rash", "rash"),
        ("no sickness today thankfully", "nausea"),
        ("hes making sense again tonight", "confusion"),
    ],
)
def test_denials_are_denials(extractor, text, symptom_id):
    assert assertions(extractor, text)[symptom_id] == NEGATED


@pytest.mark.parametrize(
    "text,symptom_id",
    [
        ("if he has a seizure tonight do i ring 911?", "seizure"),
        ("what if she gets confused when we're home", "confusion"),
        ("what are the signs of a seizure I should look for?", "seizure"),
        ("can he get a rash from the step up dose?", "rash"),
        ("should we ring if his lips swell during the infusion?", "face_swelling"),
    ],
)
def test_questions_about_what_could_happen_are_hypothetical(extractor, text, symptom_id):
    assert assertions(extractor, text)[symptom_id] == HYPOTHETICAL


@pytest.mark.parametrize(
    "text,symptom_id",
    [
        # modal verbs in a report are no question about the future
        ("he can barely breathe, can you help?", "trouble_breathing"),
        # conditional but not a question: it is happening
        ("if he stands up he gets dizzy", "dizziness"),
        # unsure is not hypothetical: when unsure, escalate
        ("not sure if she's confused or just exhausted", "confusion"),
        ("what if it's an infection, he's shaking now?", "tremor"),
    ],
)
def test_reports_phrased_with_ifs_and_cans_stay_present(extractor, text, symptom_id):
    assert assertions(extractor, text)[symptom_id] == PRESENT


@pytest.mark.parametrize(
    "text,symptom_id,still_present",
    [
        ("the fever broke after the drug they gave, but now she can't get her words out", "fever", "trouble_speaking"),
        ("he had a fit, it stopped after a minute but he's really muddled", "seizure", "confusion"),
        ("the shivering stopped and now he's sweating buckets", "chills", None),
        # Denied now, but said to have been there: it still counts, as an earlier symptom.
        ("he's not vomiting anymore, just off his food", "vomiting", None),
        ("no longer feverish and no chills either", "fever", None),
        ("no more fits since the one on sunday, he's much brighter", "seizure", None),
        ("no chest pain now. it lasted about ten minutes after his walk", "chest_pain", None),
    ],
)
def test_things_that_happened_and_stopped_are_resolved(extractor, text, symptom_id, still_present):
    found = assertions(extractor, text)
    assert found[symptom_id] == RESOLVED
    if still_present:
        assert found[still_present] == PRESENT


@pytest.mark.parametrize(
    "text,symptom_id",
    [
        ("no seizures or anything like that, but he's really drowsy", "seizure"),
        ("no chills either, just hot", "chills"),
        ("temp's fine, no shakes, no headache", "headache"),
    ],
)
def test_what_is_absent_is_denied(extractor, text, symptom_id):
    assert assertions(extractor, text)[symptom_id] == NEGATED


def test_a_resolved_symptom_that_was_denied_again_is_not_resolved(extractor):
    assert assertions(extractor, "the rash hasnt gone away")["rash"] == PRESENT


def test_a_resolved_red_flag_is_still_an_emergency(extractor):
    extraction = extractor.extract("she had a fit but it's stopped and she's sleepy now")
    result = triage(extraction.reports)
    assert result.urgency == "emergency"
    seizure = next(s for s in result.symptoms if s.id == "seizure")
    assert seizure.resolved and not seizure.negated


def test_a_question_about_a_red_flag_is_not_a_report(extractor):
    extraction = extractor.extract("if he has a seizure do I call 911?")
    assert extraction.reports == []
    assert extraction.hypothetical_ids() == {"seizure"}
    assert triage(extraction.reports).urgency == "none"


def test_a_report_beside_a_question_is_still_a_report(extractor):
    extraction = extractor.extract("what if he has a seizure? he's already really confused")
    assert "confusion" in extraction.present_ids()
    assert triage(extraction.reports).urgency != "none"
