"""Recognition by layer: the lexicon alone, the learned recogniser alone, and both (as the assistant
runs them), on labelled messages: the corpus's validation split and the blind sets; beside them the
Rasa peer (evaluation/rasa_peer.py, `make peer`): Rasa's default pipeline trained on the corpus's
training split with DIET entities and lookup tables, as a Rasa team would build it.

    .venv/bin/python -m evaluation.recognition          # reports/recognition.md, recognition_pr.png

Figures come from the triage of each message's extraction (no dialogue): red flags given the
emergency urgency, expected symptoms found, denied symptoms read as denied, and non-emergency
messages sent to emergency (over-triage). A blind set's figure here is a regression figure once
its first-seen row is in tests/data/blind/HISTORY.md.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence, Tuple

import yaml

from bot import REPO_ROOT
from bot.triage.engine import NEGATED, triage
from bot.triage.knowledge import Knowledge, load_knowledge
from bot.triage.recognition import learned
from bot.triage.recognition.extractor import SymptomExtractor
from bot.triage.recognition.mentions import Extraction, Mention
from evaluation import rasa_peer
from evaluation.blind import recorded_sets
from evaluation.metrics import share
from evaluation.recognition_curve import ScoredMessage, emergency_curve
from evaluation.recognition_curve import plot as plot_curve
from evaluation.recognition_curve import point as curve_point

REPORTS = REPO_ROOT / "reports"
BLIND_DIR = REPO_ROOT / "tests" / "data" / "blind"
REPORTED = ("present", "resolved")
PEER_LAYER = "Rasa peer: DIET entities + lookup tables"


@dataclass
class LayerFigures:
    messages: int = 0
    emergencies: int = 0
    emergencies_caught: int = 0
    non_emergencies: int = 0
    non_emergencies_flagged: int = 0
    expected: int = 0
    found: int = 0
    denied: int = 0
    denied_found: int = 0

    def row(self) -> List[str]:
        return [
            share(self.emergencies_caught, self.emergencies),
            share(self.found, self.expected),
            share(self.denied_found, self.denied),
            share(self.non_emergencies_flagged, self.non_emergencies),
        ]


def labelled(message: dict) -> Tuple[set, set, bool]:
    labels = message.get("symptoms") or {}
    return (
        {s for s, a in labels.items() if a in REPORTED},
        {s for s, a in labels.items() if a == "negated"},
        bool(message["emergency"]),
    )


def figures_for(messages: Sequence[dict], extract: Callable[[str], Extraction], knowledge: Knowledge) -> LayerFigures:
    figures = LayerFigures()
    for message in messages:
        want_present, want_negated, emergency = labelled(message)
        extraction = extract(message["text"])
        result = triage(extraction.reports, knowledge=knowledge, emergency_described=extraction.emergency_described)
        flagged = result.urgency == "emergency"
        figures.messages += 1
        figures.emergencies += emergency
        figures.emergencies_caught += emergency and flagged
        figures.non_emergencies += not emergency
        figures.non_emergencies_flagged += flagged and not emergency
        figures.expected += len(want_present)
        figures.found += len(want_present & extraction.present_ids())
        figures.denied += len(want_negated)
        figures.denied_found += len(want_negated & extraction.negated_ids())
    return figures


def model_alone(recogniser: learned.LearnedRecogniser, extractor: SymptomExtractor) -> Callable[[str], Extraction]:
    def extract(text: str) -> Extraction:
        probabilities = recogniser.probabilities(extractor.normalised_text(text))
        reported = recogniser.reported(probabilities)
        mentions = tuple(Mention(symptom_id=s, text="", start=0, end=0, red_flag=False) for s in reported) + tuple(
            Mention(symptom_id=s, text="", start=0, end=0, red_flag=False, assertion=NEGATED)
            for s in recogniser.denied(probabilities)
            if s not in reported
        )
        return Extraction(
            mentions=mentions,
            temperatures=(),
            therapies=(),
            days_since_treatment=None,
            caregiver=False,
            emergency_described=recogniser.is_emergency(probabilities, learned.stratum_of(False, bool(reported))),
        )

    return extract


def evaluation_sets() -> Dict[str, List[dict]]:
    sets = {"validation split": learned.split_messages("validation")}
    # Only sets whose first-seen score is recorded: a fresh set's figures wait for evaluation.blind --record.
    for path in recorded_sets():
        sets[f"blind {path.stem} (regression)"] = yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
    return sets


def emergency_curves(
    sets: Dict[str, List[dict]], extractor: SymptomExtractor, recogniser: learned.LearnedRecogniser
) -> Dict[str, tuple]:
    """Each set's emergency-threshold curve and its served point, the lexicon beside the model."""
    curves = {}
    for name, messages in sets.items():
        scored = []
        for message in messages:
            extraction = extractor.extract(message["text"])
            served_input = extractor.learned_input(message["text"])
            probabilities = recogniser.probabilities(served_input) if served_input is not None else {}
            probabilities.setdefault(learned.EMERGENCY, 0.0)
            scored.append(
                ScoredMessage(
                    emergency=bool(message["emergency"]),
                    lexicon_red_flag=triage(extraction.reports).urgency == "emergency",
                    stratum=learned.stratum_of(
                        bool(extraction.present_ids()), bool(recogniser.reported(probabilities))
                    ),
                    probability=probabilities[learned.EMERGENCY],
                )
            )
        curves[name] = (emergency_curve(scored), curve_point(scored, recogniser.emergency_thresholds, 0.0))
    return curves


def recognition_cost(messages: Sequence[dict], extract: Callable[[str], Extraction]) -> Tuple[float, float]:
    """Milliseconds per message to recognise, (p50, p95)."""
    times = []
    for message in messages:
        started = time.perf_counter()
        extract(message["text"])
        times.append(1000 * (time.perf_counter() - started))
    times.sort()
    return times[len(times) // 2], times[int(0.95 * (len(times) - 1))]


def peer_note() -> str:
    """What the peer was trained on and how long `rasa train nlu` took (make peer records both)."""
    built = rasa_peer.PEER_DIR / "build.json"
    counts = json.loads(built.read_text(encoding="utf-8")) if built.exists() else {}
    seconds = rasa_peer.training_seconds()
    return (
        f"{PEER_LAYER}: Rasa's default pipeline (DIETClassifier {rasa_peer.DIET_EPOCHS} epochs) trained with "
        f"`rasa train nlu` on "
        f"{counts.get('kept', '?')} of the training split's {counts.get('messages', '?')} messages (those whose "
        f"every labelled symptom the lexicon located), in {seconds + ' s' if seconds else 'an unrecorded time'}."
    )


def main(argv: List[str]) -> int:
    knowledge = load_knowledge()
    lexicon = SymptomExtractor(knowledge)
    recogniser = learned.LearnedRecogniser(learned.MODEL_DIR)
    both = SymptomExtractor(knowledge, common_words=lexicon.spelling.common_words, learned=recogniser)
    layers = {"lexicon": lexicon.extract, "model": model_alone(recogniser, lexicon), "both": both.extract}
    lines = [
        "# Recognition by layer",
        "",
        "Emergency thresholds by stratum (chosen on the validation split): "
        + ", ".join(f"{s} {t:.3f}" for s, t in recogniser.emergency_thresholds.items())
        + ".",
        "",
    ]
    if rasa_peer.PEER_MODEL.exists():
        layers[PEER_LAYER] = rasa_peer.RasaPeer(rasa_peer.PEER_MODEL, knowledge).extract
        lines += [peer_note(), ""]
    else:
        lines += [f"{PEER_LAYER}: not trained (`make peer`), not scored.", ""]
    lines += [
        "| set | layer | red flags given emergency | symptoms found | denied read as denied "
        "| non-emergency messages sent to emergency |",
        "|---|---|---|---|---|---|",
    ]
    sets = evaluation_sets()
    for name, messages in sets.items():
        for layer, extract in layers.items():
            lines.append(f"| {name} | {layer} | " + " | ".join(figures_for(messages, extract, knowledge).row()) + " |")
    validation = sets["validation split"]
    lines += ["", "Recognition per message on the validation split, in this run (ms, p50 / p95):", ""]
    for layer in ("lexicon", "both"):
        median, p95 = recognition_cost(validation, layers[layer])
        lines.append(f"- {layer}: {median:.1f} / {p95:.1f}")
    REPORTS.mkdir(exist_ok=True)
    plot_curve(REPORTS / "recognition_pr.png", emergency_curves(sets, lexicon, recogniser))
    lines += ["", "The emergency threshold's precision/recall curve per set: recognition_pr.png."]
    (REPORTS / "recognition.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
