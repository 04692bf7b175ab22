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
from functools import partial
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import spacy
import yaml
from spacy.attrs import ORTH
from spacy.ml.extract_ngrams import extract_ngrams
from spacy.ml.models.textcat import resize_and_set_ref, resize_linear_weighted
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import minibatch
from thinc.api import Logistic, Model, SparseLinear, chain, resizable, with_cpu
from thinc.types import Floats2d

from bot import REPO_ROOT

CORPUS_DIR = REPO_ROOT / "data" / "recognition" / "corpus"
SPLITS = REPO_ROOT / "data" / "recognition" / "splits.yml"
MODEL_DIR = REPO_ROOT / "models" / "recogniser"
EMERGENCY = "emergency"
REPORTED = ("present", "resolved")
# A label "denied:<symptom id>" for a symptom the message denies ("breathing's fine", "no temp"):
# the model reads denials the phrase lists do not know, so that they are recorded as denied.
DENIED_PREFIX = "denied:"
# The bias of a label added to the linear part (spaCy's value): it says nothing until trained.
NEG_VALUE = -5000
SEED = 2024
EPOCHS = 12
BATCH_SIZE = 32
DROPOUT = 0.2
# Symptom labels: reported at or above this probability. Recall first (a missed symptom is worse
# than an extra line of guidance): on validation, with the lexicon beside it, 0.3 finds 90.6% of the
# symptoms at 77% precision, where the model's own boundary, 0.5, found 88.1% at 82%
# (docs/performance.md, "Issue 14: the learned layer's cost").
DEFAULT_SYMPTOM_THRESHOLD = 0.3
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
# The hashed word and word-pair table of the linear part: spaCy's TextCatBOW.v2 fixes it at 2**18
# rows, one weight per label each (28 million for 107 labels), and the optimiser updated all of
# them on every batch: three quarters of the training time. 2**16 rows hold the corpus's words and
# word pairs with as good validation figures; an epoch takes about a third of the time
# (docs/performance.md).
NGRAM_BUCKETS = 2**16
ARCHITECTURE = {
    "@architectures": "spacy.TextCatEnsemble.v2",
    "linear_model": {
        "@architectures": "triage.HashedNgramClassifier.v1",
        "ngram_size": 2,
        "length": NGRAM_BUCKETS,
    },
    # 64 wide and one layer deep: on validation as good as 96 and two layers, in a third of the
    # time per message (docs/performance.md).
    "tok2vec": {
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": {
            "@architectures": "spacy.MultiHashEmbed.v2",
            "width": 64,
            "rows": [5000, 2500, 2500, 2500],
            "attrs": ["LOWER", "PREFIX", "SUFFIX", "SHAPE"],
            "include_static_vectors": False,
        },
        "encode": {
            "@architectures": "spacy.MaxoutWindowEncoder.v2",
            "width": 64,
            "window_size": 1,
            "maxout_pieces": 3,
            "depth": 1,
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


@spacy.registry.architectures("triage.HashedNgramClassifier.v1")
def hashed_ngram_classifier(ngram_size: int, length: int, nO: Optional[int] = None) -> Model[List[Doc], Floats2d]:
    """spaCy's bag-of-words text classifier (TextCatBOW.v2, several labels per message), with the
    size of its hashed n-gram table as a setting (NGRAM_BUCKETS says why)."""
    sparse_linear = SparseLinear(nO=nO, length=length)
    resizable_layer = resizable(
        sparse_linear, resize_layer=partial(resize_linear_weighted, fill_defaults={"b": NEG_VALUE, "W": 0})
    )
    ngrams = chain(extract_ngrams(ngram_size, attr=ORTH), resizable_layer)
    ngrams = with_cpu(ngrams, ngrams.ops)
    output = Logistic()
    model = chain(ngrams, with_cpu(output, output.ops))
    if nO is not None:
        model.set_dim("nO", nO)
    model.set_ref("output_layer", sparse_linear)
    model.attrs["multi_label"] = True
    model.attrs["resize_output"] = partial(resize_and_set_ref, resizable_layer=resizable_layer)
    return model


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
        """Symptom ids the message reports, by the model: at the symptom threshold, unless it reads
        the symptom as denied more surely ("she's not had any shaking or trouble with her words")."""
        return sorted(
            s
            for s, p in probabilities.items()
            if s != EMERGENCY
            and not s.startswith(DENIED_PREFIX)
            and p >= self.symptom_threshold
            and p >= probabilities.get(DENIED_PREFIX + s, 0.0)
        )

    def denied(self, probabilities: Dict[str, float]) -> List[str]:
        """Symptom ids the message denies, by the model: at the symptom threshold, and more surely
        than it reads them as reported."""
        return sorted(
            s[len(DENIED_PREFIX) :]
            for s, p in probabilities.items()
            if s.startswith(DENIED_PREFIX)
            and p >= self.symptom_threshold
            and p > probabilities.get(s[len(DENIED_PREFIX) :], 0.0)
        )

    def is_emergency(self, probabilities: Dict[str, float], stratum: str) -> bool:
        """`stratum`: what else found symptoms in the message (LEXICON_FOUND, MODEL_FOUND, NOTHING_FOUND)."""
        return probabilities.get(EMERGENCY, 0.0) >= self.emergency_thresholds[stratum]


def save(nlp: spacy.Language, model_dir: Path, thresholds: dict, figures: dict) -> None:
    model_dir.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(model_dir)
    (model_dir / "thresholds.json").write_text(json.dumps(thresholds, indent=2), encoding="utf-8")
    (model_dir / "validation.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
