"""The ConText reader (evaluation/assertion_context.py): the issue's examples through medspaCy's
ConText with the project's lay rules, the mapping of ConText's categories onto the project's
assertions, and which blind sets the comparison may open. Runs where medspaCy is installed
(`make compare-assertion` builds .venv-context); skipped in .venv, which does not have it."""

from unittest import mock

import pytest

pytest.importorskip("medspacy")

from bot.triage.engine import HYPOTHETICAL, NEGATED, PRESENT, RESOLVED  # noqa: E402
from evaluation import assertion_context, blind  # noqa: E402
from evaluation.assertion_context import (  # noqa: E402
    DEFAULT_RULES,
    LAY_RULES,
    ContextReader,
    assertion_of,
    comparison_sets,
    rule_entries,
)


@pytest.fixture(scope="module")
def lay(extractor):
    return ContextReader(LAY_RULES, extractor)


@pytest.fixture(scope="module")
def default(extractor):
    return ContextReader(DEFAULT_RULES, extractor)


@pytest.mark.parametrize(
    "text, symptom_id, expected",
    [
        # The issue's examples (ConText's default rules read all but the last wrongly).
        ("it wasn't long before he had a fit", "seizure", PRESENT),
        ("paracetamol hasn't brought her fever down", "fever", PRESENT),
        ("she can't stop trembling", "tremor", PRESENT),
        ("my wife has a fever", "fever", PRESENT),
        ("if he has a seizure do I call 911?", "seizure", HYPOTHETICAL),
        ("still no better with the confusion", "confusion", PRESENT),
        ("not sleeping well, temperature of 38.5", "fever", PRESENT),
        # In new words.
        ("her hands haven't stopped quivering", "tremor", PRESENT),
        ("no fever at all tonight", "fever", NEGATED),
        ("what if he has a fit while I'm asleep", "seizure", HYPOTHETICAL),
        ("the fever broke after the drug they gave", "fever", RESOLVED),
        ("he is not shivering anymore", "chills", RESOLVED),
        ("he didn't know what year it was", "confusion", PRESENT),
    ],
)
def test_lay_rules_read_the_issues_examples(lay, text, symptom_id, expected):
    assert lay(text).get(symptom_id) == expected


def test_a_condition_in_a_report_is_no_question(lay):
    assert lay("if he stands up he gets dizzy").get("dizziness") == PRESENT


def test_the_clause_after_a_denial_is_not_denied(lay):
    readings = lay("no fever but she feels confused")
    assert readings == {"fever": NEGATED, "confusion": PRESENT}


def read_one(reader, text, word):
    """ConText's reading of the one-word span `word` in `text`, and the doc it ran on."""
    doc = reader.extractor.make_doc(text)
    index = next(t.i for t in doc if t.text == word)
    return reader.read_spans(doc, [(index, index + 1, "symptom")])[(index, index + 1)], doc


def test_a_caregivers_report_is_the_patients_symptom(lay, default):
    # The default rules mark "my wife has a fever" as FAMILY; the reader keeps it the patient's.
    reading, doc = read_one(default, "my wife has a fever", "fever")
    assert reading == PRESENT and doc.ents[0]._.is_family
    assert default("my wife has a fever") == {"fever": PRESENT}
    # The lay rules have no FAMILY rule: a caregiver's report of a seizure is reported (present or
    # resolved), never someone else's.
    reading, doc = read_one(lay, "my husband had a seizure", "seizure")
    assert reading in (PRESENT, RESOLVED) and not doc.ents[0]._.is_family


def test_the_engine_is_swapped_inside_the_extractor(lay, extractor):
    # The extractor's own meaning of a span stays: a normal reading denies for either engine, and
    # the clause rules are back in place after the ConText reader has run.
    clause = extractor.assertion
    assert lay("temp 36.8, he says he feels fine") == {
        m.symptom_id: m.assertion for m in extractor.extract("temp 36.8, he says he feels fine").mentions
    }
    assert extractor.assertion is clause


def test_the_default_rules_get_the_issues_question_right(default):
    assert default("if he has a seizure do I call 911?") == {"seizure": HYPOTHETICAL}


def test_categories_map_as_the_clause_rules_order_them():
    assert assertion_of(set()) == PRESENT
    assert assertion_of({"NEGATED_EXISTENCE"}) == NEGATED
    assert assertion_of({"HYPOTHETICAL", "NEGATED_EXISTENCE"}) == HYPOTHETICAL
    assert assertion_of({"NEGATED_EXISTENCE", "ENDED_DENIAL"}) == RESOLVED
    assert assertion_of({"ENDED_DENIAL"}) == PRESENT
    assert assertion_of({"RESOLVED"}) == RESOLVED
    assert assertion_of({"EPISODE"}) == RESOLVED
    assert assertion_of({"EPISODE", "NEGATED_EXISTENCE"}) == NEGATED
    assert assertion_of({"HISTORICAL"}) == RESOLVED
    assert assertion_of({"FAMILY"}) == PRESENT
    assert assertion_of({"POSSIBLE_EXISTENCE"}) == PRESENT


def test_rule_groups_give_their_settings_to_each_rule():
    entries = rule_entries(
        [
            {"category": "RESOLVED", "direction": "BACKWARD", "max_scope": 9, "literals": ["broke"]},
            {"category": "PSEUDO", "direction": "PSEUDO", "patterns": [{"literal": "p", "pattern": [{"NORM": "x"}]}]},
        ]
    )
    assert entries == [
        {"category": "RESOLVED", "direction": "BACKWARD", "max_scope": 9, "literal": "broke"},
        {"category": "PSEUDO", "direction": "PSEUDO", "literal": "p", "pattern": [{"NORM": "x"}]},
    ]
    with pytest.raises(ValueError, match="unknown keys"):
        rule_entries([{"category": "RESOLVED", "direction": "BACKWARD", "scope": 3, "literals": ["x"]}])


def test_blind_sets_are_the_recorded_ones_less_those_skipped(tmp_path):
    (tmp_path / "HISTORY.md").write_text(
        "| date | set |\n|---|---|\n| 2026-01-01 | first-set |\n| 2026-01-02 | second-set |\n", encoding="utf-8"
    )
    (tmp_path / "first-set.yml").write_text("messages: []\n", encoding="utf-8")
    # Not valid YAML: opening either would fail the test.
    (tmp_path / "second-set.yml").write_text("{{{\n", encoding="utf-8")
    (tmp_path / "unrecorded-set.yml").write_text("{{{\n", encoding="utf-8")
    with mock.patch.object(blind, "HISTORY", tmp_path / "HISTORY.md"):
        with mock.patch.object(assertion_context.assertion.learned, "split_messages", lambda name: []):
            sets = comparison_sets({"second-set"})
    assert sorted(sets) == ["blind first-set", "training split", "validation split"]
