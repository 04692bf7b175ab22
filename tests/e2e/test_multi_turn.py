"""Conversations over several messages, over REST: advice every turn, symptoms that add up,
urgency that never goes down, a summary at the end, a person asked for, another language."""

import re

from tests.support.replies import (
    advice_urgency,
    ends_an_emergency_turn,
    names_care_team,
    present_ids,
    question_asked,
    response_texts,
    texts,
    triage_payload,
    unsafe_phrases,
)
from tests.support.stack import new_sender


def test_a_caregivers_report_over_three_messages(stack):
    """The issue's example: advice at every turn, the treatment questions only after it, a summary."""
    sender = new_sender("multi")
    for text in ["she's been off her food all evening", "now 38.6", "and she can't find her words"]:
        messages = stack.send(sender, text)
        sent = texts(messages)
        assert names_care_team(sent[0]), (text, sent)
        assert advice_urgency(messages) is not None, (text, sent)
        assert unsafe_phrases(messages) == []
        assert question_asked(sent[-1]) == "utter_ask_therapy", (text, sent)
        assert not any(question_asked(t) for t in sent[:-1]), f"a question came before the advice: {sent}"
    payload = triage_payload(messages)
    assert payload["urgency"] == "urgent"
    assert {"fever", "trouble_speaking"} <= set(present_ids(payload))

    assert question_asked(texts(stack.send(sender, "carvykti"))[-1]) == "utter_ask_treatment_timing"
    offer = texts(stack.send(sender, "last tuesday"))
    assert question_asked(offer[-1]) == "utter_offer_caregiver_checks", offer
    related = texts(stack.send(sender, "no thanks"))
    assert question_asked(related[-1]) == "related_symptoms", related
    assert "fever" not in related[-1] and "trouble speaking" not in related[-1], related
    closing = texts(stack.send(sender, "no that's all"))
    summary = next(t for t in closing if t.startswith("Here is what you told me:"))
    assert "- Reported: fever (38.6 C), trouble speaking." in summary
    assert "- Treatment: ciltacabtagene autoleucel (Carvykti)." in summary
    assert "- Last given: “last tuesday” (about" in summary
    assert "My advice: Please contact your care team right away" in summary
    assert names_care_team(closing[-1])


def test_treatment_questions_can_be_skipped(stack):
    sender = new_sender("skip")
    assert question_asked(texts(stack.send(sender, "ive got a bad headache"))[-1]) == "utter_ask_therapy"
    assert question_asked(texts(stack.send(sender, "no idea"))[-1]) == "utter_ask_treatment_timing"
    follow_up = texts(stack.send(sender, "skip"))
    assert question_asked(follow_up[-1]) == "related_symptoms", follow_up
    summary = texts(stack.send(sender, "no"))[0]
    assert "- Reported: headache." in summary and "- Last given: not known." in summary, summary


def test_a_report_during_the_treatment_questions_gets_its_advice_first(stack):
    sender = new_sender("interrupt")
    stack.send(sender, "temp 38.2")
    messages = stack.send(sender, "oh no he's having a seizure")
    sent = texts(messages)
    assert advice_urgency(messages) == "emergency" and "911" in sent[0], sent
    # An emergency turn asks nothing: the treatment question is not asked again.
    assert not any(question_asked(t) for t in sent), sent
    assert ends_an_emergency_turn(sent[-1]), sent
    assert triage_payload(messages)["urgency"] == "emergency"


def test_caregiver_checks_any_change_is_urgent_and_counts(stack):
    sender = new_sender("checks")
    offer = texts(stack.send(sender, "my husband seems a bit confused, kymriah 6 days ago"))
    assert question_asked(offer[-1]) == "utter_offer_caregiver_checks", offer
    first = texts(stack.send(sender, "yes"))
    assert first[-1].startswith("Compared with how they usually are"), first
    after_change = texts(stack.send(sender, "yes"))
    assert after_change[-1].startswith("Thank you. A change like that is a reason to contact the care team"), (
        after_change
    )
    stack.send(sender, "no")
    stack.send(sender, "no")
    result = texts(stack.send(sender, "yes"))
    assert question_asked(result[-1]), result
    assert any(t.startswith("You told me about a change in how they think") and names_care_team(t) for t in result), (
        result
    )
    assert not re.search(r"score|out of|\b[0-4] ?/ ?4\b|\bgrade", " ".join(result), re.IGNORECASE), (
        f"the checks must never give a count, score or grade: {result}"
    )
    summary = texts(stack.send(sender, "no"))[0]
    assert "- Reported: confusion, trouble speaking." in summary, summary


def test_caregiver_checks_without_a_change_never_say_all_is_well(stack):
    sender = new_sender("checks-none")
    offer = texts(stack.send(sender, "what should i watch for in my wife"))
    assert question_asked(offer[-1]) == "utter_offer_caregiver_checks", offer
    for answer in ["ok", "no", "no", "no"]:
        stack.send(sender, answer)
    result = texts(stack.send(sender, "no"))
    assert any(t.startswith("Thank you. These questions cannot rule anything out") for t in result), result
    assert unsafe_phrases([{"text": t} for t in result]) == []


def test_urgency_never_goes_down(stack):
    sender = new_sender("accumulate")
    stack.send(sender, "temp is 38.7")
    stack.send(sender, "skip")  # which treatment
    stack.send(sender, "skip")  # when it was given
    # Routine on its own only for a treatment whose documents allow it, named in the message.
    messages = stack.send(sender, "also a bit constipated, she takes revlimid")
    assert advice_urgency(messages) == "routine"  # this message's own advice comes first
    assert any(
        t.startswith("Together with what you told me earlier (fever): Please contact your care team right away")
        for t in texts(messages)
    ), texts(messages)
    assert triage_payload(messages)["urgency"] == "urgent"


def test_a_routine_symptom_reported_again_is_urgent(stack):
    sender = new_sender("repeat")
    first = triage_payload(stack.send(sender, "i've got a rash on my arms, i take revlimid"))
    assert first["urgency"] == "routine", first
    assert triage_payload(stack.send(sender, "the rash is spreading now"))["urgency"] == "urgent"


def test_after_car_t_a_routine_side_effect_is_reported_right_away(stack):
    messages = stack.send(new_sender("right-away"), "bit constipated since the car t last week")
    assert advice_urgency(messages) == "urgent", texts(messages)
    assert triage_payload(messages)["urgency"] == "urgent"


def test_asking_for_a_person(stack):
    reply = " ".join(texts(stack.send(new_sender("human"), "can i talk to a real person please")))
    assert "care team" in reply and "911" in reply and "1-800-227-2345" in reply


def test_spanish_and_french_get_the_advice_in_their_language(stack):
    spanish = " ".join(texts(stack.send(new_sender("es"), "mi esposo tiene fiebre y está confundido")))
    assert spanish.startswith("En una emergencia") and "911" in spanish.split(".")[0]
    assert "equipo de atención médica" in spanish and "solo funciona en inglés" in spanish
    french = " ".join(texts(stack.send(new_sender("fr"), "bonjour, mon mari a de la fièvre depuis hier")))
    assert "seulement en anglais" in french and "équipe soignante" in french and "911" in french


def test_a_yes_with_what_they_saw_answers_the_check(stack):
    sender = new_sender("checks-yes-words")
    offer = texts(stack.send(sender, "what should i watch for in my husband"))
    assert question_asked(offer[-1]) == "utter_offer_caregiver_checks", offer
    orientation = response_texts("utter_ask_check_orientation")[0]
    assert texts(stack.send(sender, "ok"))[-1] == orientation
    # Words after the "yes" that name nothing the recogniser knows: still a "yes", never asked again.
    result = texts(stack.send(sender, "yes he said we were at his brothers flat, we've lived here 30 years"))
    assert orientation not in result, result
    assert result[-1].startswith("Thank you. A change like that is a reason to contact the care team"), result
    assert "naming everyday things" in result[-1], result
