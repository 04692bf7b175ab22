"""Spanish and French messages are recognised; English ones, even with loanwords, are not."""

import pytest

from bot.triage.recognition.language import detect_other_language


@pytest.mark.parametrize(
    "text,language",
    [
        ("mi esposo tiene fiebre y está confundido", "es"),
        ("hola, necesito ayuda por favor", "es"),
        ("mon mari a de la fièvre depuis hier", "fr"),
        ("bonjour, j'ai mal à la tête", "fr"),
        ("my husband had a seizure", None),
        ("I feel confused, temp 38.9", None),
        ("he is at the hospital, es muy bueno? no idea", None),
        ("", None),
    ],
)
def test_detects_spanish_and_french(text, language):
    assert detect_other_language(text) == language
