"""Score a blind set: messages written by someone who saw none of the project's words.

    .venv/bin/python -m evaluation.blind tests/data/blind/SET.yml            # figures, errors report
    .venv/bin/python -m evaluation.blind tests/data/blind/SET.yml --record   # first-seen row in HISTORY.md

The protocol (docs/recognition_protocol.md): a fresh set is scored once, before anything is tuned
on it, and that first-seen score is recorded; `--record` refuses a set that already has a row.
Only then are its errors read (reports/blind_SET.md) and used, and the set joins the regression sets.

Every message goes through the model's NLU as Rasa's server parses it; the figures are about the
advice the person is sent (evaluation.metrics.triaged_urgency).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import List, Sequence

import yaml

from bot import REPO_ROOT
from bot.triage.engine import urgency_rank
from bot.triage.recognition.extractor import LEARNED_RECOGNISER_VARIABLE
from evaluation.metrics import share, symptoms_in, triaged_urgency

HISTORY = REPO_ROOT / "tests" / "data" / "blind" / "HISTORY.md"
REPORTS = REPO_ROOT / "reports"
MODEL = REPO_ROOT / "models" / "triage.tar.gz"
REPORTED = ("present", "resolved")
HISTORY_HEADER = (
    "| date | set | messages | red flags given emergency advice | under-triage | symptom recall "
    "| denied read as denied | non-emergency reports sent to emergency | recogniser | changed after |\n"
    "|---|---|---|---|---|---|---|---|---|---|\n"
)


def recorded_sets() -> List[Path]:
    """The blind sets whose first-seen row is in HISTORY.md: only these may be scored in reports,
    so that nobody reads a fresh set's errors before its first score is recorded."""
    history = HISTORY.read_text(encoding="utf-8") if HISTORY.exists() else ""
    return [p for p in sorted(HISTORY.parent.glob("*.yml")) if f"| {p.stem} |" in history]


@dataclass
class BlindFigures:
    messages: int = 0
    red_flags: int = 0
    red_flags_caught: int = 0
    reports: int = 0
    under_triaged: int = 0
    non_emergency_reports: int = 0
    over_triaged_to_emergency: int = 0
    expected_symptoms: int = 0
    symptoms_found: int = 0
    denied: int = 0
    denied_found: int = 0
    errors: List[str] = field(default_factory=list)

    def row(self) -> List[str]:
        return [
            share(self.red_flags_caught, self.red_flags),
            share(self.under_triaged, self.reports),
            share(self.symptoms_found, self.expected_symptoms),
            share(self.denied_found, self.denied),
            share(self.over_triaged_to_emergency, self.non_emergency_reports),
        ]


def blind_figures(messages: Sequence[dict], parses: Sequence[dict]) -> BlindFigures:
    """The figures of one blind set from its messages' labels and their NLU parses."""
    figures = BlindFigures()
    for message, parsed in zip(messages, parses):
        figures.messages += 1
        given, expected = triaged_urgency(parsed), message["urgency"]
        labels = message.get("symptoms") or {}
        want_present = {s for s, a in labels.items() if a in REPORTED}
        want_negated = {s for s, a in labels.items() if a == "negated"}
        got_present, got_negated = symptoms_in(parsed)
        problems = []
        if message["emergency"]:
            figures.red_flags += 1
            figures.red_flags_caught += given == "emergency"
            if given != "emergency":
                problems.append(f"red flag given {given}")
        if expected != "none":
            figures.reports += 1
            if urgency_rank(given) < urgency_rank(expected):
                figures.under_triaged += 1
                problems.append(f"under-triaged: expected {expected}, given {given}")
        if expected in ("urgent", "routine"):
            figures.non_emergency_reports += 1
            if given == "emergency":
                figures.over_triaged_to_emergency += 1
                problems.append(f"over-triaged to emergency (expected {expected})")
        figures.expected_symptoms += len(want_present)
        figures.symptoms_found += len(want_present & got_present)
        figures.denied += len(want_negated)
        figures.denied_found += len(want_negated & got_negated)
        missed = sorted(want_present - got_present)
        if missed:
            problems.append(f"missed {', '.join(missed)}")
        if want_negated - got_negated:
            problems.append(f"denied not read as denied: {', '.join(sorted(want_negated - got_negated))}")
        if problems:
            figures.errors.append(f"- {message['text']!r}: {'; '.join(problems)}")
    return figures


def history_has(set_name: str) -> bool:
    return HISTORY.exists() and f"| {set_name} |" in HISTORY.read_text(encoding="utf-8")


def record(set_name: str, figures: BlindFigures, recogniser: str) -> None:
    """Append the first-seen row; a set is recorded once, before anything is tuned on it."""
    if history_has(set_name):
        raise SystemExit(f"{set_name} already has its first-seen row in {HISTORY.name}: it is no longer blind.")
    text = HISTORY.read_text(encoding="utf-8") if HISTORY.exists() else ""
    if HISTORY_HEADER not in text:
        text += HISTORY_HEADER
    cells = [date.today().isoformat(), set_name, str(figures.messages), *figures.row(), recogniser, "(to fill in)"]
    HISTORY.write_text(text + "| " + " | ".join(cells) + " |\n", encoding="utf-8")


def served_recogniser() -> str:
    """What recognises symptoms as served now, for the row: the lexicon, and the learned layer with
    its thresholds unless it is off, at the commit checked out."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True)
    at = f" (commit {commit.stdout.strip()})" if commit.returncode == 0 else ""
    thresholds = REPO_ROOT / "models" / "recogniser" / "thresholds.json"
    if os.environ.get(LEARNED_RECOGNISER_VARIABLE) == "off" or not thresholds.exists():
        return f"lexicon + compositions + four-way assertion, learned layer off, as served{at}"
    emergency = json.loads(thresholds.read_text(encoding="utf-8"))["emergency"]
    chosen = ", ".join(f"{stratum.replace('_', ' ')} {value:.3f}" for stratum, value in emergency.items())
    return (
        "lexicon + compositions + red-flag combinations + four-way assertion + learned layer (textcat, emergency "
        f"thresholds by stratum: {chosen}), as served{at}"
    )


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("blind_set", type=Path)
    parser.add_argument("--model", default=str(MODEL))
    parser.add_argument("--record", action="store_true", help="append the first-seen row to HISTORY.md")
    parser.add_argument("--recogniser", help="what recognised the symptoms, for the row (default: as served)")
    args = parser.parse_args(argv)
    from evaluation.quality import parse_all

    blind = yaml.safe_load(args.blind_set.read_text(encoding="utf-8"))
    set_name = blind.get("set") or args.blind_set.stem
    messages = blind["messages"]
    parses = parse_all(args.model, [m["text"] for m in messages], set_name, 0)
    figures = blind_figures(messages, parses)
    if args.record:
        record(set_name, figures, args.recogniser or served_recogniser())
    REPORTS.mkdir(exist_ok=True)
    names = [
        "red flags given emergency advice",
        "under-triage",
        "symptom recall",
        "denied read as denied",
        "non-emergency reports sent to emergency",
    ]
    summary = "\n".join(f"- {name}: {value}" for name, value in zip(names, figures.row()))
    (REPORTS / f"blind_{set_name}.md").write_text(
        f"# Blind set {set_name}\n\n{figures.messages} messages.\n\n{summary}\n\n## Errors\n\n"
        + "\n".join(figures.errors)
        + "\n",
        encoding="utf-8",
    )
    print(f"{set_name}: {figures.messages} messages\n{summary}\n(errors: reports/blind_{set_name}.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
