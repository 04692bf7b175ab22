"""The emergency threshold's curve: what each threshold catches and costs."""

from bot.triage.recognition.learned import LEXICON_FOUND, MODEL_FOUND, NOTHING_FOUND
from evaluation.recognition_curve import ScoredMessage, emergency_curve, plot, point

MESSAGES = [
    ScoredMessage(emergency=True, lexicon_red_flag=True, stratum=LEXICON_FOUND, probability=0.1),
    ScoredMessage(emergency=True, lexicon_red_flag=False, stratum=LEXICON_FOUND, probability=0.3),
    ScoredMessage(emergency=True, lexicon_red_flag=False, stratum=NOTHING_FOUND, probability=0.4),
    ScoredMessage(emergency=False, lexicon_red_flag=False, stratum=MODEL_FOUND, probability=0.2),
    ScoredMessage(emergency=False, lexicon_red_flag=False, stratum=NOTHING_FOUND, probability=0.35),
]


def test_each_threshold_counts_what_it_catches_and_costs():
    points = {p.threshold: p for p in emergency_curve(MESSAGES)}
    # At 0.2: the lexicon's red flag and the supported 0.3 are caught; the unsupported 0.4 needs 0.5.
    assert points[0.2].recall == 2 / 3
    assert points[0.2].over_triage == 1 / 2
    assert points[0.3].over_triage == 0.0 and points[0.3].precision == 1.0
    # The lexicon alone.
    assert points[1.0].recall == 1 / 3


def test_the_curve_is_drawn(tmp_path):
    served = point(MESSAGES, {LEXICON_FOUND: 0.3, MODEL_FOUND: 0.5, NOTHING_FOUND: 0.5}, 0.0)
    assert served.recall == 2 / 3 and served.over_triage == 0.0
    plot(tmp_path / "curve.png", {"validation": (emergency_curve(MESSAGES), served)})
    assert (tmp_path / "curve.png").stat().st_size > 1000
