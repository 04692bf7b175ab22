"""The held-out evaluation sets (make eval) stay held out, and keep their red flags caught.

nlu_heldout.yml was written blind and then used for error analysis; nlu_fresh.yml was written
blind afterwards, to measure what that analysis did not see. Neither may be trained on.
"""

import re
from pathlib import Path

import pytest
import yaml

from bot import REPO_ROOT
from bot.triage.engine import triage
from bot.triage.knowledge import load_knowledge
from bot.triage.recognition.extractor import SymptomExtractor

HELDOUT_SETS = sorted((REPO_ROOT / "tests" / "data" / "heldout").glob("*.yml"))


def examples(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))["examples"]


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


def training_texts():
    texts = set()
    for path in sorted((REPO_ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            for line in (block.get("examples") or "").splitlines():
                example = re.sub(r"\[([^\]]*)\]\{[^}]*\}|\[([^\]]*)\]\([^)]*\)", r"\1\2", line.strip()[2:])
                texts.add(normalised(example))
    return texts


def test_both_sets_are_there():
    assert [p.name for p in HELDOUT_SETS] == ["nlu_fresh.yml", "nlu_heldout.yml"]


@pytest.mark.parametrize("path", HELDOUT_SETS, ids=lambda p: p.name)
def test_no_held_out_text_is_a_training_example(path):
    training = training_texts()
    overlap = [e["text"] for e in examples(path) if normalised(e["text"]) in training]
    assert not overlap, f"held-out texts also in data/nlu: {overlap}"


@pytest.mark.parametrize("path", HELDOUT_SETS, ids=lambda p: p.name)
def test_held_out_labels_are_known(path):
    domain_intents = set(yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])
    symptoms = set(load_knowledge().symptoms)
    for example in examples(path):
        assert example["intent"] in domain_intents, example
        assert set(example["present"]) | set(example["negated"]) <= symptoms, example
        assert not set(example["present"]) & set(example["negated"]), example


@pytest.fixture(scope="module")
def extractor():
    return SymptomExtractor()


@pytest.mark.parametrize("path", HELDOUT_SETS, ids=lambda p: p.name)
def test_every_held_out_red_flag_gets_emergency_advice(path, extractor):
    """The recogniser alone, without Rasa: the NLU component turns its emergency into the advice."""
    missed = []
    for example in examples(path):
        if example.get("red_flag"):
            found = extractor.extract(example["text"])
            urgency = triage(found.reports, found.therapy_id, found.days_since_treatment, found.temperatures).urgency
            if urgency != "emergency":
                missed.append(f"{example['text']!r} -> {urgency}")
    assert not missed, "red flags not given emergency advice:\n" + "\n".join(missed)
