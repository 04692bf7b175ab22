"""The blind-set figures: what the person was told against what a triage nurse expects."""

import pytest

from evaluation import blind
from evaluation.blind import blind_figures


def parse(intent="report_symptom", urgency=None, present=(), negated=()):
    entities = [{"entity": "symptom", "value": s, "role": "present"} for s in present]
    entities += [{"entity": "symptom", "value": s, "role": "negated"} for s in negated]
    if urgency:
        entities.append({"entity": "urgency", "value": urgency})
    return {"intent": {"name": intent}, "entities": entities}


MESSAGES = [
    {
        "text": "found him on the floor, eyes open, not answering",
        "symptoms": {"consciousness_change": "present"},
        "emergency": True,
        "urgency": "emergency",
    },
    {
        "text": "she had a fit an hour ago, awake now",
        "symptoms": {"seizure": "resolved"},
        "emergency": True,
        "urgency": "emergency",
    },
    {
        "text": "no temp tonight but a rash",
        "symptoms": {"fever": "negated", "rash": "present"},
        "emergency": False,
        "urgency": "routine",
    },
    {"text": "what if he gets a fever", "symptoms": {"fever": "hypothetical"}, "emergency": False, "urgency": "none"},
]


def test_a_missed_red_flag_is_counted_and_listed_with_its_under_triage():
    parses = [
        parse(urgency="emergency", present=["consciousness_change"]),
        parse(),
        parse(urgency="emergency", present=["rash"], negated=["fever"]),
        parse(intent="faq"),
    ]
    figures = blind_figures(MESSAGES, parses)
    assert (figures.red_flags, figures.red_flags_caught) == (2, 1)
    assert (figures.reports, figures.under_triaged) == (3, 1)  # "unclear" is urgent: under emergency
    assert (figures.non_emergency_reports, figures.over_triaged_to_emergency) == (1, 1)
    assert (figures.expected_symptoms, figures.symptoms_found) == (3, 2)  # the resolved seizure was missed
    assert (figures.denied, figures.denied_found) == (1, 1)
    assert (
        len(figures.errors) == 2 and "red flag given urgent" in figures.errors[0 if "fit" in figures.errors[0] else 1]
    )


def test_a_set_is_recorded_once(tmp_path, monkeypatch):
    monkeypatch.setattr(blind, "HISTORY", tmp_path / "HISTORY.md")
    figures = blind_figures(MESSAGES, [parse(urgency="emergency")] * 2 + [parse(urgency="routine"), parse("faq")])
    blind.record("set-a", figures, "lexicon")
    assert "| set-a | 4 | 2/2 (100.0%)" in (tmp_path / "HISTORY.md").read_text()
    with pytest.raises(SystemExit, match="no longer blind"):
        blind.record("set-a", figures, "lexicon")


def test_reports_score_only_sets_whose_first_score_is_recorded(tmp_path, monkeypatch):
    monkeypatch.setattr(blind, "HISTORY", tmp_path / "HISTORY.md")
    for name in ("scored", "fresh"):
        (tmp_path / f"{name}.yml").write_text("messages: []\n")
    figures = blind_figures(MESSAGES, [parse(urgency="emergency")] * 2 + [parse(urgency="routine"), parse("faq")])
    blind.record("scored", figures, "lexicon")
    assert [p.stem for p in blind.recorded_sets()] == ["scored"]
