"""Assertion on labelled mentions: of the symptoms the lexicon locates, how many it reads as the
label says (present, negated, hypothetical, resolved), on the corpus splits and the blind sets.

    .venv/bin/python -m evaluation.assertion          # reports/assertion.md

Only located symptoms are scored: finding them is recognition's figure (evaluation.recognition);
this is the figure of the assertion engine alone, so that two engines can be compared on the same
mentions. The training split is where rules are written; validation and the blind sets say how
they carry over (a blind set's figure is a regression figure once its first-seen row is recorded).
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Sequence

import yaml

from bot.triage.engine import ASSERTIONS, HYPOTHETICAL, NEGATED, PRESENT, RESOLVED
from bot.triage.recognition import learned
from bot.triage.recognition.extractor import SymptomExtractor
from bot.triage.recognition.mentions import Mention
from evaluation.blind import recorded_sets
from evaluation.metrics import share
from evaluation.recognition import REPORTS

# When a message mentions a symptom more than once, the reading that matters most for safety wins.
PRECEDENCE = (PRESENT, RESOLVED, NEGATED, HYPOTHETICAL)

AssertionReader = Callable[[str], Dict[str, str]]


@dataclass
class AssertionFigures:
    labelled: Counter = field(default_factory=Counter)  # label -> labelled mentions
    located: Counter = field(default_factory=Counter)  # label -> of those, symptom located
    confusion: Counter = field(default_factory=Counter)  # (label, read) -> count

    def correct(self, label: str) -> int:
        return self.confusion[(label, label)]

    def row(self, label: str) -> List[str]:
        return [str(self.labelled[label]), str(self.located[label]), share(self.correct(label), self.located[label])]

    def overall(self) -> str:
        located = sum(self.located.values())
        return share(sum(self.correct(a) for a in ASSERTIONS), located)


def message_assertion(mentions: Sequence[Mention]) -> Dict[str, str]:
    """One assertion per symptom id, by PRECEDENCE."""
    readings: Dict[str, str] = {}
    for mention in mentions:
        previous = readings.get(mention.symptom_id)
        if previous is None or PRECEDENCE.index(mention.assertion) < PRECEDENCE.index(previous):
            readings[mention.symptom_id] = mention.assertion
    return readings


def lexicon_reader(extractor: SymptomExtractor) -> AssertionReader:
    return lambda text: message_assertion(extractor.extract(text).mentions)


def score(messages: Sequence[dict], read: AssertionReader) -> AssertionFigures:
    figures = AssertionFigures()
    for message in messages:
        labels = message.get("symptoms") or {}
        if not labels:
            continue
        readings = read(message["text"])
        for symptom_id, label in labels.items():
            figures.labelled[label] += 1
            if symptom_id in readings:
                figures.located[label] += 1
                figures.confusion[(label, readings[symptom_id])] += 1
    return figures


def assertion_sets() -> Dict[str, List[dict]]:
    sets = {
        "training split": learned.split_messages("training"),
        "validation split": learned.split_messages("validation"),
    }
    for path in recorded_sets():
        sets[f"blind {path.stem}"] = yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
    return sets


def report(readers: Dict[str, AssertionReader]) -> List[str]:
    lines = [
        "# Assertion on located mentions",
        "",
        "| set | engine | overall | " + " | ".join(f"{a}: labelled / located / read right" for a in ASSERTIONS) + " |",
        "|---|---|---|" + "---|" * len(ASSERTIONS),
    ]
    confusions = []
    for name, messages in assertion_sets().items():
        for engine, read in readers.items():
            figures = score(messages, read)
            cells = [" / ".join(figures.row(a)) for a in ASSERTIONS]
            lines.append(f"| {name} | {engine} | {figures.overall()} | " + " | ".join(cells) + " |")
            wrong = sorted(((k, v) for k, v in figures.confusion.items() if k[0] != k[1]), key=lambda kv: -kv[1])
            confusions.append(
                f"- {name}, {engine}: " + (", ".join(f"{a} read as {b}: {n}" for (a, b), n in wrong) or "none")
            )
    return lines + ["", "Misreadings (label read as):", ""] + confusions


def main(argv: List[str]) -> int:
    lines = report({"clause rules": lexicon_reader(SymptomExtractor())})
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "assertion.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
