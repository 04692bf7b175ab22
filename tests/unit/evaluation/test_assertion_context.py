"""The ConText reader (evaluation/assertion_context.py): the issue's examples through medspaCy's
ConText with the project's lay rules, the mapping of ConText's categories onto the project's
assertions, and which blind sets the comparison may open. Runs where medspaCy is installed
(`make compare-assertion` builds .venv-context); skipped in .venv, which does not have it."""

from pathlib import Path
from unittest import mock

import pytest

pytest.importorskip("medspacy")

from bot.triage.engine import HYPOTHETICAL, NEGATED, PRESENT, RESOLVED  # noqa: E402
from evaluation import assertion_context  # noqa: E402
from evaluation.assertion_context import (  # noqa: E402
    DEFAULT_RULES,
    LAY_RULES,
    ContextReader,
    assertion_of,
    blind_sets_limited_to,
    rule_entries,
    scored_blind_sets,
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


def test_a_caregivers_report_is_the_patients_symptom(lay, default):
    # The default rules mark "my wife has a fever" as FAMILY; the reader keeps it the patient's.
    doc = default.extractor.make_doc("my wife has a fever")
    located = [m for m in default.extractor.extract("my wife has a fever").mentions if m.end > m.start]
    assert [m.assertion for m in default.assert_mentions(doc, located)] == [PRESENT]
    assert doc.ents[0]._.is_family
    # The lay rules have no FAMILY rule at all.
    doc = lay.extractor.make_doc("my husband had a seizure")
    located = [m for m in lay.extractor.extract("my husband had a seizure").mentions if m.end > m.start]
    assert [m.assertion for m in lay.assert_mentions(doc, located)] in ([PRESENT], [RESOLVED])
    assert not doc.ents[0]._.is_family


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


def test_only_blind_sets_scored_first_seen_are_opened(tmp_path):
    history = tmp_path / "HISTORY.md"
    history.write_text(
        "# Blind sets\n\n| date | set | messages |\n|---|---|---|\n| 2026-01-01 | first-set | 10 |\n",
        encoding="utf-8",
    )
    assert scored_blind_sets(history) == {"first-set"}
    blind = tmp_path / "blind"
    blind.mkdir()
    for stem in ("first-set", "unscored-set"):
        (blind / f"{stem}.yml").write_text("messages: []\n", encoding="utf-8")
    with mock.patch.object(assertion_context, "BLIND_DIR", blind):
        with blind_sets_limited_to({"first-set"}) as folder:
            assert sorted(p.name for p in Path(folder).iterdir()) == ["first-set.yml"]
            assert assertion_context.assertion.BLIND_DIR == folder
