"""The checker must catch what the assistant must never say, and let its refusals through."""

import pytest

from bot.triage.reply_audit import asks_before_advising, find_unsafe_phrases


@pytest.mark.parametrize(
    "text",
    [
        "You have CRS.",
        "It sounds like ICANS to me",
        "This is CRS",
        "he probably has an infection",
        "That looks like grade 2 CRS",
        "His ICE score is 7",
        "a score of 8",
        "mild CRS",
        "It's probably nothing",
        "Don't worry, you're fine",
        "she'll be fine",
        "This is completely normal",
        "Take 1000 mg of paracetamol",
        "give him some tylenol",
        "try an antihistamine",
        "every 6 hours",
        "Stop the pump",
        "skip your dose",
        "stop taking lenalidomide",
        "no need to call anyone",
        "If it gets worse, call your care team.",
        "if things don't improve by tomorrow let them know",
        "If the symptoms persist, contact the team.",
        "You could monitor it at home for now and call if needed.",
        "Keep an eye on it and see how he feels overnight.",
        "Best to wait until the morning and ring them then.",
        "Let her sleep it off.",
    ],
)
def test_catches_unsafe_text(text):
    assert find_unsafe_phrases(text)


@pytest.mark.parametrize(
    "text",
    [
        "I cannot advise on medicines or doses, or on stopping, skipping or changing any treatment, including a pump.",
        "I cannot say whether CRS, ICANS or anything else is behind what you are noticing.",
        "Confusion is listed among the nervous-system problems (ICANS) of CAR T-cell therapy.",
        "Please contact your care team right away, day or night.",
        "“It’s very important to report any side effects to the health care team right away, as there are often "
        "medicines that can help treat them.”",
        "Please tell your care team about this today. Call them right away if it gets worse or anything new appears.",
        "What do I watch for? If it happens, call emergency services.",
    ],
)
def test_lets_safe_text_through(text):
    assert find_unsafe_phrases(text) == []


def test_a_question_before_the_advice_is_caught():
    assert asks_before_advising(["Which treatment was it?", "Please contact your care team right away."])
    assert asks_before_advising(["Is it a new rash? If so, contact your care team."])


def test_advice_then_a_question_is_fine():
    assert not asks_before_advising(
        ["Please contact your care team right away, day or night.", "Which treatment is this after?"]
    )
    assert not asks_before_advising(["Call emergency services now (911). Then tell the care team."])
