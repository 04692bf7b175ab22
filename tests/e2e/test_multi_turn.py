"""Conversations over several messages, over REST: advice every turn, symptoms that add up,
urgency that never goes down, a summary at the end, a person asked for, another language."""

from e2e_support import (
    advice_urgency, names_care_team, new_sender, present_ids, texts, triage_payload, unsafe_phrases,
)


def test_a_caregivers_report_over_three_messages(stack):
    sender = new_sender("multi")
    for text in ["she's been off all evening", "now 38.6", "and she can't find her words"]:
        messages = stack.send(sender, text)
        assert names_care_team(texts(messages)[0]), (text, texts(messages))
        assert unsafe_phrases(messages) == []
    payload = triage_payload(messages)
    assert payload["urgency"] == "urgent"
    assert {"fever", "trouble_speaking"} <= set(present_ids(payload))
    closing = texts(stack.send(sender, "no that's all"))
    summary = next(t for t in closing if t.startswith("Here is what you told me:"))
    assert "- Reported: fever (38.6 C), trouble speaking." in summary
    assert "My advice: Please contact your care team right away" in summary
    assert names_care_team(closing[-1])


def test_urgency_never_goes_down(stack):
    sender = new_sender("accumulate")
    stack.send(sender, "temp is 38.7")
    messages = stack.send(sender, "also a bit constipated")
    assert advice_urgency(messages) == "routine"  # this message's own advice comes first
    assert any(t.startswith("Together with what you told me earlier (fever): Please contact your care team right away")
               for t in texts(messages)), texts(messages)
    assert triage_payload(messages)["urgency"] == "urgent"


def test_a_routine_symptom_reported_again_is_urgent(stack):
    sender = new_sender("repeat")
    assert triage_payload(stack.send(sender, "i've got a rash on my arms"))["urgency"] == "routine"
    assert triage_payload(stack.send(sender, "the rash is spreading now"))["urgency"] == "urgent"


def test_asking_for_a_person(stack):
    reply = " ".join(texts(stack.send(new_sender("human"), "can i talk to a real person please")))
    assert "care team" in reply and "911" in reply and "1-800-227-2345" in reply


def test_spanish_and_french_get_the_advice_in_their_language(stack):
    spanish = " ".join(texts(stack.send(new_sender("es"), "mi esposo tiene fiebre y está confundido")))
    assert "solo funciona en inglés" in spanish and "equipo de atención médica" in spanish and "911" in spanish
    french = " ".join(texts(stack.send(new_sender("fr"), "bonjour, mon mari a de la fièvre depuis hier")))
    assert "seulement en anglais" in french and "équipe soignante" in french and "911" in french
