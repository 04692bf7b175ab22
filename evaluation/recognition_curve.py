"""The emergency threshold's precision/recall curve: what each threshold of the learned layer's
"emergency" probability would catch and cost, with the lexicon beside it as served.

Each message is (emergency or not, the lexicon found a red flag, its stratum: what else found
symptoms in it, the model's emergency probability). A message is sent to emergency services when
the lexicon found a red flag, or the probability reaches its stratum's threshold. The curve moves
one threshold for the strata that are chosen on validation (learned.CHOSEN_STRATA); a message in
which nothing was found keeps the model's own boundary. The served point is marked apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from bot.triage.recognition.learned import CHOSEN_STRATA, NOTHING_FOUND, UNSUPPORTED_EMERGENCY_THRESHOLD


@dataclass(frozen=True)
class ScoredMessage:
    emergency: bool
    lexicon_red_flag: bool
    stratum: str
    probability: float

    def flagged(self, thresholds: Dict[str, float]) -> bool:
        return self.lexicon_red_flag or self.probability >= thresholds[self.stratum]


@dataclass(frozen=True)
class CurvePoint:
    threshold: float
    recall: float  # emergencies sent to emergency services
    precision: float  # of the messages sent there, the share that were emergencies
    over_triage: float  # non-emergency messages sent there


def point(messages: Sequence[ScoredMessage], thresholds: Dict[str, float], label: float) -> CurvePoint:
    emergencies = sum(m.emergency for m in messages)
    calm = len(messages) - emergencies
    flagged = [m for m in messages if m.flagged(thresholds)]
    caught = sum(m.emergency for m in flagged)
    return CurvePoint(
        threshold=label,
        recall=caught / emergencies if emergencies else 0.0,
        precision=caught / len(flagged) if flagged else 1.0,
        over_triage=(len(flagged) - caught) / calm if calm else 0.0,
    )


def emergency_curve(messages: Sequence[ScoredMessage]) -> List[CurvePoint]:
    """One point per distinct probability (and 1.0: the lexicon alone), lowest threshold first."""
    return [
        point(messages, {**{s: t for s in CHOSEN_STRATA}, NOTHING_FOUND: max(t, UNSUPPORTED_EMERGENCY_THRESHOLD)}, t)
        for t in sorted({round(m.probability, 4) for m in messages} | {1.0})
    ]


def plot(path: Path, curves: Dict[str, Tuple[List[CurvePoint], CurvePoint]]) -> None:
    """Recall against precision for each set's curve, with the served thresholds' point marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 5))
    for name, (points, at) in curves.items():
        line = axis.plot([p.recall for p in points], [p.precision for p in points], label=name)[0]
        axis.scatter([at.recall], [at.precision], color=line.get_color(), zorder=3)
        axis.annotate(
            f"served: over-triage {100 * at.over_triage:.1f}%",
            (at.recall, at.precision),
            textcoords="offset points",
            xytext=(-150, -14),
            fontsize=8,
        )
    axis.set_xlabel("recall: emergencies sent to emergency services")
    axis.set_ylabel("precision: of those sent, emergencies")
    axis.set_title("Emergency threshold of the learned layer, lexicon beside it")
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
