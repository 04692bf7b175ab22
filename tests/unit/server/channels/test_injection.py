"""No channel lets "/intent{...}" skip NLU."""

import pytest

from bot.server.channels import neutralise_intent_injection


@pytest.mark.parametrize(
    "text,expected",
    [
        ('/report_symptom{"symptom":"seizure"}', "report symptom symptom seizure"),
        ("  /greet", "/greet"),
        ("/greet my husband had a seizure", "greet my husband had a seizure"),
        ('/affirm{"symptom": "none"}', "affirm symptom none"),
        ("//deny my wife just collapsed", "deny my wife just collapsed"),
        ("temp 38/39", "temp 38/39"),
        ("my husband had a seizure", "my husband had a seizure"),
    ],
)
def test_intent_prefix_is_removed(text, expected):
    assert neutralise_intent_injection(text) == expected
