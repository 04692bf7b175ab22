"""The emergency threshold's precision/recall curve: what each threshold of the learned layer's
"emergency" probability would catch and cost, with the lexicon beside it as served.

Each message is (emergency or not, the lexicon found a red flag, either layer found a symptom,
the model's emergency probability). A message is sent to emergency services when the lexicon
found a red flag, or the probability reaches the threshold (a message with no symptom found needs
the model's own boundary too: learned.UNSUPPORTED_EMERGENCY_THRESHOLD).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Sequence

from bot.triage.recognition.learned import UNSUPPORTED_EMERGENCY_THRESHOLD


@dataclass(frozen=True)
class ScoredMessage:
    emergency: bool
    lexicon_red_flag: bool
    supported: bool
    probability: float

    def flagged(self, threshold: float) -> bool:
        needed = threshold if self.supported else max(threshold, UNSUPPORTED_EMERGENCY_THRESHOLD)
        return self.lexicon_red_flag or self.probability >= needed


@dataclass(frozen=True)
class CurvePoint:
    threshold: float
    recall: float  # emergencies sent to emergency services
    precision: float  # of the messages sent there, the share that were emergencies
    over_triage: float  # non-emergency messages sent there


def emergency_curve(messages: Sequence[ScoredMessage]) -> List[CurvePoint]:
    """One point per distinct probability (and 1.0: the lexicon alone), lowest threshold first."""
    emergencies = sum(m.emergency for m in messages)
    calm = len(messages) - emergencies
    points = []
    for threshold in sorted({round(m.probability, 4) for m in messages} | {1.0}):
        flagged = [m for m in messages if m.flagged(threshold)]
        caught = sum(m.emergency for m in flagged)
        points.append(
            CurvePoint(
                threshold=threshold,
                recall=caught / emergencies if emergencies else 0.0,
                precision=caught / len(flagged) if flagged else 1.0,
                over_triage=(len(flagged) - caught) / calm if calm else 0.0,
            )
        )
    return points


def plot(path: Path, curves: dict, chosen: float) -> None:
    """Recall against precision for each set's curve, the chosen threshold marked on each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 5))
    for name, points in curves.items():
        line = axis.plot([p.recall for p in points], [p.precision for p in points], label=name)[0]
        at = min(points, key=lambda p: abs(p.threshold - chosen))
        axis.scatter([at.recall], [at.precision], color=line.get_color(), zorder=3)
        axis.annotate(
            f"{chosen:.3f}: over-triage {100 * at.over_triage:.1f}%",
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
