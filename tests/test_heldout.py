"""The held-out evaluation set (make eval) stays held out: none of its texts is a training example."""

import re
from pathlib import Path

import yaml

from bot.knowledge import load_knowledge

REPO_ROOT = Path(__file__).resolve().parents[1]
HELDOUT = yaml.safe_load((REPO_ROOT / "tests" / "heldout" / "nlu_heldout.yml").read_text(encoding="utf-8"))["examples"]


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


def test_no_held_out_text_is_a_training_example():
    training = training_texts()
    overlap = [e["text"] for e in HELDOUT if normalised(e["text"]) in training]
    assert not overlap, f"held-out texts also in data/nlu: {overlap}"


def test_held_out_labels_are_known():
    domain_intents = set(yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])
    symptoms = set(load_knowledge().symptoms)
    for example in HELDOUT:
        assert example["intent"] in domain_intents, example
        assert set(example["present"]) | set(example["negated"]) <= symptoms, example
        assert not set(example["present"]) & set(example["negated"]), example
