"""The figures of `make bench` from its measurements, and the report's tables and target checks.

Every figure is also given as a ratio to the floor's (Rasa's own minimal assistant, served in the
same run: evaluation/floor.py), since absolute figures differ about two times between machines.
Plain Python over numbers, so that each figure is tested without servers
(tests/unit/evaluation/test_bench_figures.py).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

# How a turn ended (evaluation.bench_load tells them apart): only OK is an answer.
OK = "ok"
REFUSED = "refused"  # the input guard's flood refusal: a reply, but not an answer
FAILED = "failed"  # the guard's apology after handling raised: a reply, but not an answer
HTTP_ERROR = "http_error"
EMPTY_REPLY = "empty_reply"
INVALID_REPLY = "invalid_reply"
TIMEOUT = "timeout"
CONNECTION_ERROR = "connection_error"

LEVELS = (1, 8, 32)
FLOOR, PROJECT, DEFAULT = "floor", "project", "default"
PIPELINES = (FLOOR, PROJECT, DEFAULT)
MB = 1_000_000
TRAINING_SECONDS_SUFFIX = ".train_seconds"
NOT_RECORDED = "not recorded"
NOT_MEASURED = "not measured"
NO_ACTION_SERVER = "none"
MET, MISSED = "met", "missed"

# The targets on a 2-core machine.
P95_LATENCY_MS_AT_8 = 150.0
TURNS_PER_SECOND_AT_32 = 40.0
RASA_MEMORY_BYTES = 1.5e9
READY_SECONDS = 40.0
TRAINING_SECONDS = 6 * 60.0
P95_RATIO_TO_DEFAULT = 1.3
# Issue 16's targets, as ratios to the floor in the same run.
TURN_RATIO_TO_FLOOR = 1.3  # a typical turn (p50, one conversation at a time)
LATE_TURN_RATIO = 1.3  # turn LATE_TURN of a conversation against turn EARLY_TURN
EARLY_TURN, LATE_TURN = 3, 20
THROUGHPUT_RATIO_TO_FLOOR = 0.8  # turns per second at 32 concurrent
HUMAN_PACE_P95_TO_FLOOR_MEDIAN = 4.0  # at human pace, against the floor's typical turn
# The human-pace load offers this share of the floor's throughput.
HUMAN_PACE_SHARE_OF_FLOOR = 0.5
# More unanswered turns than this at any level, and the figures do not describe a working bot.
MAX_UNANSWERED_FRACTION = 0.01
# Other processes taking more than this many cores during a step (start-up, a level) skew its figures.
BUSY_NEIGHBOUR_CORES = 0.2


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolating linearly between the two nearest ranks (as
    numpy's default does); the values need not be sorted."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    lower, upper = math.floor(rank), math.ceil(rank)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (rank - lower)


def turns_per_second(turns: int, elapsed_s: float) -> float:
    return turns / elapsed_s if elapsed_s > 0 else 0.0


@dataclass(frozen=True)
class LevelFigures:
    """One concurrency level. Latencies are those of the answered turns only: a timeout's 30 s
    or a refusal's instant answer would say nothing about how fast the bot answers."""

    concurrency: int
    turns: int
    answered: int
    refused: int  # by the input guard's flood limit
    errors: Dict[str, int]  # every other outcome that is not an answer, by kind
    p50_ms: Optional[float]
    p95_ms: Optional[float]
    p99_ms: Optional[float]
    turns_per_second: float  # answered turns per second
    other_cpu_cores: float  # cores kept busy by processes other than the benchmark's, on average

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def unanswered_fraction(self) -> float:
        return (self.turns - self.answered) / self.turns if self.turns else 0.0


def level_figures(
    concurrency: int, turns: Sequence[Tuple[str, float]], elapsed_s: float, other_cpu_cores: float
) -> LevelFigures:
    """The figures of one level from its turns, each (outcome, latency in ms)."""
    answered = [latency for outcome, latency in turns if outcome == OK]
    errors: Dict[str, int] = {}
    for outcome, _ in turns:
        if outcome not in (OK, REFUSED):
            errors[outcome] = errors.get(outcome, 0) + 1

    def answered_percentile(q: float) -> Optional[float]:
        return percentile(answered, q) if answered else None

    return LevelFigures(
        concurrency=concurrency,
        turns=len(turns),
        answered=len(answered),
        refused=sum(outcome == REFUSED for outcome, _ in turns),
        errors=errors,
        p50_ms=answered_percentile(50),
        p95_ms=answered_percentile(95),
        p99_ms=answered_percentile(99),
        turns_per_second=turns_per_second(len(answered), elapsed_s),
        other_cpu_cores=other_cpu_cores,
    )


@dataclass(frozen=True)
class TurnIndexFigures:
    """Turns 1 to N of one conversation, several conversations one after the other: the median
    latency of each turn index over the conversations (of its answered turns)."""

    conversations: int
    median_ms: List[Optional[float]]  # turn 1 first; None where no conversation had that turn answered
    unanswered: int
    other_cpu_cores: float

    def turn(self, number: int) -> Optional[float]:
        """The median latency of turn `number` (counted from 1)."""
        return self.median_ms[number - 1] if 0 < number <= len(self.median_ms) else None

    @property
    def late_over_early(self) -> Optional[float]:
        return ratio(self.turn(LATE_TURN), self.turn(EARLY_TURN))


def turn_index_figures(
    conversations: Sequence[Sequence[Tuple[str, float]]], other_cpu_cores: float
) -> TurnIndexFigures:
    """The figures from each conversation's turns in order, each (outcome, latency in ms)."""
    length = max((len(turns) for turns in conversations), default=0)
    medians: List[Optional[float]] = []
    for index in range(length):
        answered = [turns[index][1] for turns in conversations if index < len(turns) and turns[index][0] == OK]
        medians.append(statistics.median(answered) if answered else None)
    unanswered = sum(outcome != OK for turns in conversations for outcome, _ in turns)
    return TurnIndexFigures(len(conversations), medians, unanswered, other_cpu_cores)


@dataclass(frozen=True)
class HumanPaceFigures:
    """Conversations that each send their next message a random pause after the reply: as many as
    offer a set rate of turns, for a set time (open loop: the number of conversations does not
    depend on how fast the server answers)."""

    conversations: int
    pause_s: Tuple[float, float]  # the shortest and longest pause
    target_turns_per_second: float  # a share of the floor's throughput
    seconds: float
    level: LevelFigures  # latencies, errors and answered turns per second, over the whole run

    @property
    def offered_turns_per_second(self) -> float:
        """What the conversations send if answered at once: one turn per mean pause each."""
        return self.conversations / mean_pause_s(self.pause_s)


def mean_pause_s(pause_s: Tuple[float, float]) -> float:
    return (pause_s[0] + pause_s[1]) / 2


def conversations_for_rate(turns_per_second: float, pause_s: Tuple[float, float]) -> int:
    """How many conversations, each sending one turn per mean pause, offer at least this rate."""
    return max(1, math.ceil(turns_per_second * mean_pause_s(pause_s) - 1e-9))


@dataclass
class PipelineFigures:
    name: str
    model: str
    ready_s: float  # from the start of the Rasa process to its first non-empty REST reply
    startup_other_cpu_cores: float  # cores kept busy by other processes meanwhile, on average
    training_s: Optional[float]
    rasa_peak_bytes: int
    rasa_final_bytes: int  # resident at the end of the run, once the model is loaded and warm
    actions_peak_bytes: Optional[int]  # None without an action server (the floor)
    levels: Dict[int, LevelFigures] = field(default_factory=dict)
    training_side_by_side: bool = False  # trained at once with the other model, sharing the cores
    turn_index: Optional[TurnIndexFigures] = None
    human_pace: Optional[HumanPaceFigures] = None

    def level_value(self, level: int, attribute: str) -> Optional[float]:
        found = self.levels.get(level)
        return getattr(found, attribute) if found else None

    @property
    def throughput(self) -> Optional[float]:
        return throughput(self.levels)

    @property
    def typical_turn_ms(self) -> Optional[float]:
        """A typical turn: the median latency with one conversation at a time."""
        return self.level_value(1, "p50_ms")


def throughput(levels: Mapping[int, LevelFigures]) -> Optional[float]:
    """The most answered turns per second at any concurrency level."""
    rates = [found.turns_per_second for found in levels.values()]
    return max(rates) if rates else None


def human_pace_target(floor_levels: Mapping[int, LevelFigures]) -> Optional[float]:
    """The rate the human-pace load offers: a share of the floor's throughput in the same run."""
    most = throughput(floor_levels)
    return most * HUMAN_PACE_SHARE_OF_FLOOR if most else None


def training_seconds_path(model: Path) -> Path:
    """models/triage.tar.gz -> models/triage.train_seconds (written by the Makefile's training rules)."""
    return model.with_name(model.name.split(".")[0] + TRAINING_SECONDS_SUFFIX)


def _training_record(model: Path) -> List[str]:
    """The lines the Makefile's timing script wrote next to a model; none when there are none, or
    when they are older than the model (which was then trained some other way)."""
    path = training_seconds_path(model)
    try:
        if path.stat().st_mtime < model.stat().st_mtime:
            return []
        return path.read_text().splitlines()
    except OSError:
        return []


def read_training_seconds(model: Path) -> Optional[float]:
    """The recorded `rasa train` seconds of a model; None when not recorded or unreadable."""
    try:
        return float(_training_record(model)[0])
    except (ValueError, IndexError):
        return None


def trained_side_by_side(model: Path) -> bool:
    """Whether the recorded training shared the cores with the other model's (`make models`)."""
    return "side by side" in _training_record(model)[1:]


def ratio(value: Optional[float], reference: Optional[float]) -> Optional[float]:
    if value is None or reference is None or reference == 0:
        return None
    return value / reference


def _number(value: Optional[float], decimals: int = 1, missing: str = NOT_MEASURED) -> str:
    return missing if value is None else f"{value:.{decimals}f}"


Row = Tuple[str, ...]  # the figure's name, each pipeline's value, then the ratios


def measured_in_order(results: Mapping[str, PipelineFigures]) -> List[str]:
    """The pipelines measured, in the order the report shows them (the floor first)."""
    return [name for name in PIPELINES if name in results] + [name for name in results if name not in PIPELINES]


def ratio_pairs(names: Sequence[str]) -> List[Tuple[str, str]]:
    """The ratio columns: every pipeline to the floor, and the project to the default pipeline."""
    pairs = [(name, FLOOR) for name in names if name != FLOOR and FLOOR in names]
    if PROJECT in names and DEFAULT in names:
        pairs.append((PROJECT, DEFAULT))
    return pairs


def table_header(results: Mapping[str, PipelineFigures]) -> Row:
    names = measured_in_order(results)
    return ("figure", *names, *(f"{value}/{reference}" for value, reference in ratio_pairs(names)))


class _Rows:
    """Builds the rows of one table: a figure of each pipeline, then its ratios."""

    def __init__(self, results: Mapping[str, PipelineFigures]) -> None:
        self.results = results
        self.names = measured_in_order(results)
        self.pairs = ratio_pairs(self.names)

    def compared(
        self, name: str, values: Mapping[str, Optional[float]], decimals: int = 1, missing: str = NOT_MEASURED
    ) -> Row:
        return (
            name,
            *(_number(values.get(pipeline), decimals, missing) for pipeline in self.names),
            *(_number(ratio(values.get(a), values.get(b)), 2, "-") for a, b in self.pairs),
        )

    def plain(self, name: str, cells: Mapping[str, str]) -> Row:
        return (name, *(cells[pipeline] for pipeline in self.names), *("-" for _ in self.pairs))

    def each(self, figure) -> Dict[str, object]:
        return {pipeline: figure(self.results[pipeline]) for pipeline in self.names}


def comparison_rows(results: Mapping[str, PipelineFigures]) -> List[Row]:
    """The main table: every figure of every pipeline, and its ratio where it means something."""
    table = _Rows(results)
    each = table.each
    side_by_side = any(figures.training_side_by_side for figures in results.values())

    def megabytes(size: Optional[int]) -> Optional[float]:
        return None if size is None else size / MB

    rows = [
        table.compared("ready after start (s)", each(lambda f: f.ready_s)),
        table.plain("start-up: cores taken by other processes", each(lambda f: _number(f.startup_other_cpu_cores, 2))),
        table.compared(
            "training (s), side by side" if side_by_side else "training (s)",
            each(lambda f: f.training_s),
            missing=NOT_RECORDED,
        ),
        table.compared("Rasa peak resident memory (MB)", each(lambda f: f.rasa_peak_bytes / MB), 0),
        table.compared("Rasa resident memory at the end (MB)", each(lambda f: f.rasa_final_bytes / MB), 0),
        table.compared(
            "action server peak resident memory (MB)",
            each(lambda f: megabytes(f.actions_peak_bytes)),
            0,
            missing=NO_ACTION_SERVER,
        ),
    ]
    for level in sorted({level for figures in results.values() for level in figures.levels}):

        def at(attribute: str) -> Dict[str, object]:
            return each(lambda f: f.level_value(level, attribute))

        def count(attribute: str) -> Dict[str, str]:
            return {name: str(value or 0) for name, value in at(attribute).items()}

        rows += [
            table.compared(f"{level:>2} concurrent: p50 turn latency (ms)", at("p50_ms")),
            table.compared(f"{level:>2} concurrent: p95 turn latency (ms)", at("p95_ms")),
            table.compared(f"{level:>2} concurrent: p99 turn latency (ms)", at("p99_ms")),
            table.compared(f"{level:>2} concurrent: turns per second", at("turns_per_second")),
            table.plain(f"{level:>2} concurrent: turns", count("turns")),
            table.plain(f"{level:>2} concurrent: errors", count("error_count")),
            table.plain(f"{level:>2} concurrent: flood refusals", count("refused")),
            table.plain(
                f"{level:>2} concurrent: cores taken by other processes",
                {name: _number(value, 2) for name, value in at("other_cpu_cores").items()},
            ),
        ]
    if any(figures.turn_index for figures in results.values()):

        def by_turn(figure) -> Dict[str, object]:
            return each(lambda f: figure(f.turn_index) if f.turn_index else None)

        rows += [
            table.compared(f"turn {EARLY_TURN}: median latency (ms)", by_turn(lambda t: t.turn(EARLY_TURN))),
            table.compared(f"turn {LATE_TURN}: median latency (ms)", by_turn(lambda t: t.turn(LATE_TURN))),
            table.compared(f"turn {LATE_TURN} / turn {EARLY_TURN}", by_turn(lambda t: t.late_over_early), 2),
        ]
    return rows


def turn_index_rows(results: Mapping[str, PipelineFigures]) -> List[Row]:
    """The median latency of each turn index, every pipeline measured so, and the ratios."""
    measured = {name: figures for name, figures in results.items() if figures.turn_index}
    table = _Rows(measured)
    length = max((len(figures.turn_index.median_ms) for figures in measured.values()), default=0)
    return [
        table.compared(str(number), table.each(lambda f: f.turn_index.turn(number))) for number in range(1, length + 1)
    ]


def human_pace_rows(figures: PipelineFigures, floor: Optional[PipelineFigures]) -> List[Row]:
    """The human-pace load's figures, each latency against the floor's typical turn and each rate
    against the floor's throughput: (figure, value, ratio, what the ratio is against)."""
    pace = figures.human_pace
    if pace is None:
        return []
    typical = floor.typical_turn_ms if floor else None
    throughput = floor.throughput if floor else None
    found = pace.level

    def against(name: str, value: Optional[float], reference: Optional[float], what: str) -> Row:
        return (name, _number(value), _number(ratio(value, reference), 2, "-"), what)

    return [
        ("conversations held at once", str(pace.conversations), "-", ""),
        ("pause after each reply (s)", f"{pace.pause_s[0]:g}-{pace.pause_s[1]:g}", "-", ""),
        ("seconds", _number(pace.seconds, 0), "-", ""),
        against("offered turns per second", pace.offered_turns_per_second, throughput, "the floor's throughput"),
        against("answered turns per second", found.turns_per_second, throughput, "the floor's throughput"),
        against("p50 turn latency (ms)", found.p50_ms, typical, "the floor's typical turn"),
        against("p95 turn latency (ms)", found.p95_ms, typical, "the floor's typical turn"),
        against("p99 turn latency (ms)", found.p99_ms, typical, "the floor's typical turn"),
        ("turns", str(found.turns), "-", ""),
        ("errors", str(found.error_count), "-", _outcome_summary(found) if found.error_count else ""),
        ("flood refusals", str(found.refused), "-", ""),
        ("cores taken by other processes", _number(found.other_cpu_cores, 2), "-", ""),
    ]


def unanswered_levels(results: Mapping[str, PipelineFigures]) -> List[str]:
    """The levels where too many turns got no answer for the figures to count."""
    failing = []
    for pipeline, figures in results.items():
        for level, found in figures.levels.items():
            if not found.answered or found.unanswered_fraction > MAX_UNANSWERED_FRACTION:
                failing.append(
                    f"{pipeline} at {level} concurrent: {found.turns - found.answered} of {found.turns} "
                    f"turns unanswered ({_outcome_summary(found)})"
                )
    return failing


def busy_neighbour_levels(results: Mapping[str, PipelineFigures]) -> List[str]:
    """The steps (start-up, levels, turn index, human pace) during which other processes took enough
    CPU to skew the figures."""
    busy = []
    for pipeline, figures in results.items():
        steps = [
            ("start-up", figures.startup_other_cpu_cores),
            *((f"{level} concurrent", found.other_cpu_cores) for level, found in figures.levels.items()),
        ]
        if figures.turn_index:
            steps.append(("turn index", figures.turn_index.other_cpu_cores))
        if figures.human_pace:
            steps.append(("human pace", figures.human_pace.level.other_cpu_cores))
        busy += [f"{pipeline} {step}: {cores:.2f} cores" for step, cores in steps if cores > BUSY_NEIGHBOUR_CORES]
    return busy


def _outcome_summary(found: LevelFigures) -> str:
    parts = [f"{kind}: {count}" for kind, count in sorted(found.errors.items())]
    if found.refused:
        parts.append(f"{REFUSED}: {found.refused}")
    return ", ".join(parts) or "none"


def text_table(rows: Sequence[Row], header: Row) -> str:
    """A fixed-width table for the terminal: the figure's name left, the numbers right."""
    widths = [max(len(row[column]) for row in (header, *rows)) for column in range(len(header))]
    lines = []
    for row in (header, *rows):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def markdown_table(rows: Sequence[Tuple[str, ...]], header: Tuple[str, ...]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass(frozen=True)
class TargetCheck:
    target: str
    figure: str
    status: str  # MET, MISSED or NOT_MEASURED


def _check(
    target: str, value: Optional[float], met: bool, unit: str, decimals: int = 1, missing: str = NOT_MEASURED
) -> TargetCheck:
    if value is None:
        return TargetCheck(target, missing, NOT_MEASURED)
    return TargetCheck(target, f"{value:.{decimals}f}{unit}", MET if met else MISSED)


def _ratio_check(target: str, value: Optional[float], met: bool, errors: Optional[int] = None) -> TargetCheck:
    """A target on a ratio to the floor, with no error allowed when `errors` is given."""
    if value is None:
        return TargetCheck(target, NOT_MEASURED, NOT_MEASURED)
    figure = f"{value:.2f} x" if errors is None else f"{value:.2f} x, {errors} errors"
    return TargetCheck(target, figure, MET if met and not errors else MISSED)


def _training_check(project: PipelineFigures) -> TargetCheck:
    """A training that shared the cores with the other model's is not held against the target."""
    target = f"training < {TRAINING_SECONDS / 60:.0f} min"
    if project.training_side_by_side and project.training_s is not None:
        return TargetCheck(
            target,
            f"{project.training_s:.1f} s, side by side with the default pipeline's; `make train` alone measures it",
            NOT_MEASURED,
        )
    return _check(
        target,
        project.training_s,
        project.training_s is not None and project.training_s < TRAINING_SECONDS,
        " s",
        missing=NOT_RECORDED,
    )


def floor_checks(project: PipelineFigures, floor: Optional[PipelineFigures]) -> List[TargetCheck]:
    """Issue 16's targets: the project's figures as ratios to the floor's in the same run."""
    typical = ratio(project.typical_turn_ms, floor.typical_turn_ms if floor else None)
    late = project.turn_index.late_over_early if project.turn_index else None
    throughput = ratio(
        project.level_value(32, "turns_per_second"), floor.level_value(32, "turns_per_second") if floor else None
    )
    errors_at_32 = project.level_value(32, "error_count")
    pace = project.human_pace
    pace_p95 = ratio(pace.level.p95_ms if pace else None, floor.typical_turn_ms if floor else None)
    return [
        _ratio_check(
            f"typical turn (p50, 1 conversation) <= {TURN_RATIO_TO_FLOOR} x the floor's",
            typical,
            typical is not None and typical <= TURN_RATIO_TO_FLOOR,
        ),
        _ratio_check(
            f"turn {LATE_TURN} <= {LATE_TURN_RATIO} x turn {EARLY_TURN} of a conversation",
            late,
            late is not None and late <= LATE_TURN_RATIO,
        ),
        _ratio_check(
            f"turns/s at 32 concurrent >= {THROUGHPUT_RATIO_TO_FLOOR} x the floor's, 0 errors",
            throughput,
            throughput is not None and throughput >= THROUGHPUT_RATIO_TO_FLOOR,
            errors_at_32,
        ),
        _ratio_check(
            f"human pace: p95 <= {HUMAN_PACE_P95_TO_FLOOR_MEDIAN:g} x the floor's typical turn, 0 errors",
            pace_p95,
            pace_p95 is not None and pace_p95 <= HUMAN_PACE_P95_TO_FLOOR_MEDIAN,
            pace.level.error_count if pace else None,
        ),
    ]


def check_targets(results: Mapping[str, PipelineFigures]) -> List[TargetCheck]:
    """The targets for the project's pipeline; a figure that is missing is "not measured". The
    comparison with the default pipeline only when it was measured."""
    project, floor, default = results[PROJECT], results.get(FLOOR), results.get(DEFAULT)
    p95_at_8 = project.level_value(8, "p95_ms")
    per_second_at_32 = project.level_value(32, "turns_per_second")
    checks = [
        *floor_checks(project, floor),
        _check(
            f"p95 turn latency < {P95_LATENCY_MS_AT_8:.0f} ms at 8 concurrent",
            p95_at_8,
            p95_at_8 is not None and p95_at_8 < P95_LATENCY_MS_AT_8,
            " ms",
        ),
        _check(
            f">= {TURNS_PER_SECOND_AT_32:.0f} turns/s at 32 concurrent",
            per_second_at_32,
            per_second_at_32 is not None and per_second_at_32 >= TURNS_PER_SECOND_AT_32,
            " turns/s",
        ),
        _check(
            f"Rasa resident memory < {RASA_MEMORY_BYTES / 1e9:.1f} GB",
            project.rasa_peak_bytes / MB,
            project.rasa_peak_bytes < RASA_MEMORY_BYTES,
            " MB",
        ),
        _check(f"ready within {READY_SECONDS:.0f} s of start", project.ready_s, project.ready_s <= READY_SECONDS, " s"),
        _training_check(project),
    ]
    if default is not None:
        for level in LEVELS:
            relative = ratio(project.level_value(level, "p95_ms"), default.level_value(level, "p95_ms"))
            checks.append(
                _check(
                    f"project p95 <= {P95_RATIO_TO_DEFAULT} x default p95 at {level} concurrent",
                    relative,
                    relative is not None and relative <= P95_RATIO_TO_DEFAULT,
                    " x",
                    decimals=2,
                )
            )
    return checks


def targets_text(checks: Sequence[TargetCheck]) -> str:
    width = max(len(c.target) for c in checks)
    return "\n".join(f"{c.status.upper():<12}  {c.target:<{width}}  ({c.figure})" for c in checks)


def cpu_model(cpuinfo_text: str) -> str:
    """The processor's name in /proc/cpuinfo ("model name" on x86, "Model" on some ARM boards)."""
    for line in cpuinfo_text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model") and value.strip():
            return value.strip()
    return "unknown"


HUMAN_PACE_HEADER = ("figure", PROJECT, "ratio", "to")


def markdown_report(
    results: Mapping[str, PipelineFigures], checks: Sequence[TargetCheck], machine: Mapping[str, str]
) -> str:
    """reports/bench.md: what was run, on what, the figures side by side with their ratios to the
    floor, latency by turn index, the human-pace load and the targets."""
    busy = busy_neighbour_levels(results)
    busy_neighbour_warning = (
        [
            f"**The machine was not idle**: other processes took more than {BUSY_NEIGHBOUR_CORES} cores during "
            f"{'; '.join(busy)}. Those steps' figures are skewed; run `make bench` again on an idle machine.",
            "",
        ]
        if busy
        else []
    )
    turn_rows = turn_index_rows(results)
    turn_section = (
        [
            "## Latency by turn index",
            "",
            f"Turns 1 to {len(turn_rows)} of one conversation (the report, the answers to the bot's questions,",
            "the checks and document questions), one conversation at a time, paced under the input guard's",
            "flood limit; the median of each turn over the conversations (ms). Plot: `bench_turns.png`.",
            "",
            markdown_table(turn_rows, table_header({n: f for n, f in results.items() if f.turn_index})),
            "",
        ]
        if turn_rows
        else []
    )
    project = results.get(PROJECT)
    pace_rows = human_pace_rows(project, results.get(FLOOR)) if project else []
    pace_section = (
        [
            "## Human pace (the project)",
            "",
            "Open loop: conversations from the same scripts as the levels, each sending its next message a",
            "random pause after the reply, as many conversations as offer "
            f"{HUMAN_PACE_SHARE_OF_FLOOR:g} times the floor's throughput",
            "(its most turns per second at any level above). Measured after a ramp (not measured) over which",
            "the conversations start one by one, at random moments, so that the costly first reports do not",
            "come in waves. Latencies against the floor's typical turn (its p50 at 1 concurrent), rates",
            "against its throughput.",
            "",
            markdown_table(pace_rows, HUMAN_PACE_HEADER),
            "",
        ]
        if pace_rows
        else []
    )
    lines = [
        "# Benchmark: the project against Rasa's floor",
        "",
        "The floor is Rasa's own minimal assistant, the project `rasa init --no-prompt` writes (REST, the",
        "SQL tracker store on SQLite, no action server: evaluation/floor.py), served in the same run: each",
        "figure is also given as a ratio to the floor's, since absolute figures differ between machines.",
        "Every stack is started as `make run` starts the project (the floor with its own channels and",
        "endpoints), one after the other, on free loopback ports; all are kept running and measured in",
        "turns, step by step (each level, the turn index), so that each step's figures of the floor and",
        "the project are taken close together even on a shared machine. Conversations over",
        "`POST /webhooks/rest/webhook`: mostly a symptom report from the vignettes followed by the answers",
        'to the bot\'s questions (treatment, when it was last given, "no"), the rest held-out questions;',
        "each with a fresh sender, one turn after the reply to the previous one; the floor gets the same",
        "messages. Latencies are of answered turns; errors are non-200s, timeouts, connection errors,",
        "empty or invalid replies and the input guard's apology after a failure (the floor answers some",
        "messages with no message at all, which is its answer); flood refusals are counted apart.",
        "",
        markdown_table([(name, f"`{value}`") for name, value in machine.items()], ("machine and run", "")),
        "",
        "## Figures",
        "",
        markdown_table(comparison_rows(results), table_header(results)),
        "",
        "- Ready: from the start of the Rasa process to its first non-empty reply over REST, probed once a",
        "  second as the end-to-end tests do.",
        "- Peak memory: the sum of the peak resident set (VmHWM) of the server and the processes it started,",
        "  sampled every second; at the end: their resident set (VmRSS) after the last step.",
        "- Training: the wall-clock time of `rasa train` as the Makefile's training rules recorded it",
        f'  (`models/*{TRAINING_SECONDS_SUFFIX}`); "{NOT_RECORDED}" for a model trained some other way;',
        '  "side by side" when two models were trained at once, sharing the cores.',
        "- Cores taken by other processes: the machine's CPU time while the step ran, less that of the",
        "  benchmark and its servers. The figures assume it is near 0.",
        "",
        *busy_neighbour_warning,
        *turn_section,
        *pace_section,
        "## Targets (project pipeline, 2-core machine)",
        "",
        markdown_table([(c.target, c.figure, c.status) for c in checks], ("target", "figure", "")),
        "",
        "Plots: `bench_latency.png`, `bench_turns.png`. Every turn's latency and outcome: `bench_raw.json`.",
        "",
    ]
    return "\n".join(lines)
