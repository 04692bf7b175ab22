"""The learned recogniser: a spaCy `textcat_multilabel` trained on the project's own corpus
(data/recognition/corpus/), beside the lexicon, for the words nobody listed.

It reads a message as the lexicon does (NORM: lowercase, contractions expanded, misspellings
mapped onto the vocabulary) and gives a probability for each symptom reported in it (present or
resolved: a denied or hypothetical mention is not a report) and for "emergency" (the message
describes an emergency presentation of labels.yml). Trained from nothing: no downloaded weights.

The corpus is split by source (data/recognition/splits.yml): voices for training, others for
validation, where the thresholds are chosen, the emergency one for 100% red-flag recall. Test sets
(tests/data/) never meet either (tests/unit/triage/recognition/test_corpus.py).
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Sequence, Tuple

import spacy
import yaml
from spacy.training import Example
from spacy.util import minibatch

from bot import REPO_ROOT

CORPUS_DIR = REPO_ROOT / "data" / "recognition" / "corpus"
SPLITS = REPO_ROOT / "data" / "recognition" / "splits.yml"
MODEL_DIR = REPO_ROOT / "models" / "recogniser"
EMERGENCY = "emergency"
REPORTED = ("present", "resolved")
# A label "denied:<symptom id>" for a symptom the message denies ("breathing's fine", "no temp"):
# the model reads denials the phrase lists do not know, so that they are recorded as denied.
DENIED_PREFIX = "denied:"
SEED = 2024
EPOCHS = 12
BATCH_SIZE = 32
DROPOUT = 0.2
# Symptom labels: reported at or above this probability.
DEFAULT_SYMPTOM_THRESHOLD = 0.5
# Each emergency threshold is chosen on validation: the highest that catches every emergency of
# its stratum, never above MAX_EMERGENCY_THRESHOLD (where the rules have read the message the
# model's word may need more than its own boundary, but it must still be able to escalate), and
# never so low that more than MAX_OVER_TRIAGE of the stratum's non-emergency messages would be sent
# to emergency services (the issue "Recognition that generalizes": at most 15% over-triage).
# DEFAULT_EMERGENCY_THRESHOLD, the model's own boundary, serves a stratum with no validation message.
DEFAULT_EMERGENCY_THRESHOLD = 0.5
MAX_EMERGENCY_THRESHOLD = 0.9
MAX_OVER_TRIAGE = 0.15
# The emergency threshold depends on what else was found in the message, one threshold per stratum,
# each chosen on validation for every emergency of its stratum: where the lexicon found symptoms
# (none a red flag: "temp 38.9 and shivery") it has read the message, and the model's word needs
# more weight than where only the model found symptoms. A message in which neither layer finds any
# symptom ("she's been off all evening") is sent to emergency services on the model's word only at
# its own decision boundary; below it, it gets the "unclear" advice (the care team right away, and
# emergency services for the red flags it names).
LEXICON_FOUND, MODEL_FOUND, NOTHING_FOUND = "lexicon_found", "model_found", "nothing_found"
CHOSEN_STRATA = (LEXICON_FOUND, MODEL_FOUND)
UNSUPPORTED_EMERGENCY_THRESHOLD = 0.5
ARCHITECTURE = {
    "@architectures": "spacy.TextCatEnsemble.v2",
    "linear_model": {
        "@architectures": "spacy.TextCatBOW.v2",
        "exclusive_classes": False,
        "ngram_size": 2,
        "no_output_layer": False,
    },
    "tok2vec": {
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": {
            "@architectures": "spacy.MultiHashEmbed.v2",
            "width": 96,
            "rows": [5000, 2500, 2500, 2500],
            "attrs": ["LOWER", "PREFIX", "SUFFIX", "SHAPE"],
            "include_static_vectors": False,
        },
        "encode": {
            "@architectures": "spacy.MaxoutWindowEncoder.v2",
            "width": 96,
            "window_size": 1,
            "maxout_pieces": 3,
            "depth": 2,
        },
    },
}


@dataclass(frozen=True)
class LabelledMessage:
    text: str
    labels: Tuple[str, ...]  # symptom ids reported, and "emergency"
    voice: str


def message_labels(message: dict) -> Tuple[str, ...]:
    symptoms = (message.get("symptoms") or {}).items()
    reported = sorted(s for s, assertion in symptoms if assertion in REPORTED)
    denied = sorted(DENIED_PREFIX + s for s, assertion in symptoms if assertion == "negated")
    return tuple(reported + denied + ([EMERGENCY] if message.get("emergency") else []))


def load_voice(folder: Path) -> List[LabelledMessage]:
    messages = []
    for part in sorted(folder.glob("part_*.yml")):
        for message in yaml.safe_load(part.read_text(encoding="utf-8"))["messages"]:
            messages.append(LabelledMessage(message["text"], message_labels(message), folder.name))
    return messages


def split_messages(name: str) -> List[dict]:
    """The corpus messages of one split, as written: text, symptoms with their assertions, emergency."""
    voices = yaml.safe_load(SPLITS.read_text(encoding="utf-8"))[name]
    return [
        message
        for voice in voices
        for part in sorted((CORPUS_DIR / voice).glob("part_*.yml"))
        for message in yaml.safe_load(part.read_text(encoding="utf-8"))["messages"]
    ]


def load_split(name: str) -> List[LabelledMessage]:
    """The corpus messages of one split ("training" or "validation"), by voice."""
    voices = yaml.safe_load(SPLITS.read_text(encoding="utf-8"))[name]
    return [m for voice in voices for m in load_voice(CORPUS_DIR / voice)]


def all_labels(symptom_ids: Iterable[str]) -> List[str]:
    ids = sorted(symptom_ids)
    return ids + [DENIED_PREFIX + s for s in ids] + [EMERGENCY]


def cats(message: LabelledMessage, labels: Sequence[str]) -> Dict[str, float]:
    return {label: float(label in message.labels) for label in labels}


def build_pipeline(labels: Sequence[str]) -> spacy.Language:
    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat_multilabel", config={"model": ARCHITECTURE, "threshold": 0.5})
    for label in labels:
        textcat.add_label(label)
    return nlp


def train(
    normalise: Callable[[str], str],
    labels: Sequence[str],
    messages: Sequence[LabelledMessage],
    epochs: int = EPOCHS,
    seed: int = SEED,
    log: Callable[[str], None] = print,
) -> spacy.Language:
    """A textcat_multilabel pipeline trained on the messages, read through `normalise`."""
    spacy.util.fix_random_seed(seed)
    nlp = build_pipeline(labels)
    examples = [
        Example.from_dict(
            nlp.make_doc(normalise(m.text)), {"cats": {label: float(label in m.labels) for label in labels}}
        )
        for m in messages
    ]
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)
    for epoch in range(epochs):
        started, losses = time.monotonic(), {}
        rng.shuffle(examples)
        for batch in minibatch(examples, size=BATCH_SIZE):
            nlp.update(batch, sgd=optimizer, drop=DROPOUT, losses=losses)
        log(f"epoch {epoch + 1}/{epochs}: loss {losses['textcat_multilabel']:.3f} ({time.monotonic() - started:.1f} s)")
    return nlp


def choose_emergency_threshold(
    probabilities: Sequence[float], is_emergency: Sequence[bool], caught_by_lexicon: Sequence[bool]
) -> float:
    """The threshold at which the model, beside the lexicon, catches every emergency of these
    validation messages (only those the lexicon misses decide it), unless that would send more than
    MAX_OVER_TRIAGE of the non-emergency ones to emergency services: then the lowest threshold that
    stays within it, and the emergencies it still misses are reported with the model."""
    rows = list(zip(probabilities, is_emergency, caught_by_lexicon))
    missed = [p for p, emergency, lexicon in rows if emergency and not lexicon]
    wanted = min([MAX_EMERGENCY_THRESHOLD, *missed])
    calm = sorted((p for p, emergency, lexicon in rows if not emergency and not lexicon), reverse=True)
    already = sum(lexicon and not emergency for _, emergency, lexicon in rows)
    allowed = max(int(MAX_OVER_TRIAGE * sum(not emergency for _, emergency, _ in rows)) - already, 0)
    if allowed < len(calm) and calm[allowed] >= wanted:
        # Flagging the (allowed + 1)-th most likely calm message would be one too many: stay above it.
        return min(MAX_EMERGENCY_THRESHOLD, calm[allowed] + 1e-6)
    return wanted


def choose_emergency_thresholds(
    probabilities: Sequence[float],
    is_emergency: Sequence[bool],
    caught_by_lexicon: Sequence[bool],
    strata: Sequence[str],
) -> Dict[str, float]:
    """One threshold per stratum (LEXICON_FOUND, MODEL_FOUND), each chosen on that stratum's
    validation messages alone; NOTHING_FOUND is the model's own boundary."""
    thresholds = {NOTHING_FOUND: UNSUPPORTED_EMERGENCY_THRESHOLD}
    for stratum in CHOSEN_STRATA:
        rows = [
            (p, e, lex) for p, e, lex, s in zip(probabilities, is_emergency, caught_by_lexicon, strata) if s == stratum
        ]
        thresholds[stratum] = choose_emergency_threshold(*zip(*rows)) if rows else DEFAULT_EMERGENCY_THRESHOLD
    return thresholds


def stratum_of(lexicon_found: bool, model_found: bool) -> str:
    return LEXICON_FOUND if lexicon_found else MODEL_FOUND if model_found else NOTHING_FOUND


class LearnedRecogniser:
    """A trained pipeline and its thresholds, read from MODEL_DIR."""

    def __init__(self, model_dir: Path = MODEL_DIR) -> None:
        self.nlp = spacy.load(model_dir)
        settings = json.loads((model_dir / "thresholds.json").read_text(encoding="utf-8"))
        self.emergency_thresholds: Dict[str, float] = settings["emergency"]
        self.symptom_threshold: float = settings["symptom"]

    def probabilities(self, normalised_text: str) -> Dict[str, float]:
        return dict(self.nlp(normalised_text).cats)

    def reported(self, probabilities: Dict[str, float]) -> List[str]:
        return sorted(
            s
            for s, p in probabilities.items()
            if s != EMERGENCY and not s.startswith(DENIED_PREFIX) and p >= self.symptom_threshold
        )

    def denied(self, probabilities: Dict[str, float]) -> List[str]:
        """Symptom ids the message denies, by the model, at the symptom threshold."""
        return sorted(
            s[len(DENIED_PREFIX) :]
            for s, p in probabilities.items()
            if s.startswith(DENIED_PREFIX) and p >= self.symptom_threshold
        )

    def is_emergency(self, probabilities: Dict[str, float], stratum: str) -> bool:
        """`stratum`: what else found symptoms in the message (LEXICON_FOUND, MODEL_FOUND, NOTHING_FOUND)."""
        return probabilities.get(EMERGENCY, 0.0) >= self.emergency_thresholds[stratum]


def save(nlp: spacy.Language, model_dir: Path, thresholds: dict, figures: dict) -> None:
    model_dir.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(model_dir)
    (model_dir / "thresholds.json").write_text(json.dumps(thresholds, indent=2), encoding="utf-8")
    (model_dir / "validation.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
