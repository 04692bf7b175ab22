"""The checker must catch what the assistant must never say, and let its refusals through."""

import pytest

from bot.triage.reply_audit import find_unsafe_phrases


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
    ],
)
def test_lets_safe_text_through(text):
    assert find_unsafe_phrases(text) == []
