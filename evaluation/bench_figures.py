"""The figures of `make bench` from its measurements, and the report's tables and target checks.

Plain Python over numbers, so that each figure is tested without servers
(tests/unit/evaluation/test_bench_figures.py).
"""

from __future__ import annotations

import math
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
PIPELINES = ("project", "default")
MB = 1_000_000
TRAINING_SECONDS_SUFFIX = ".train_seconds"
NOT_RECORDED = "not recorded"
NOT_MEASURED = "not measured"
MET, MISSED = "met", "missed"

# The targets on a 2-core machine.
P95_LATENCY_MS_AT_8 = 150.0
TURNS_PER_SECOND_AT_32 = 40.0
RASA_MEMORY_BYTES = 1.5e9
READY_SECONDS = 40.0
TRAINING_SECONDS = 6 * 60.0
P95_RATIO_TO_DEFAULT = 1.3
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


@dataclass
class PipelineFigures:
    name: str
    model: str
    ready_s: float  # from the start of the Rasa process to its first non-empty REST reply
    startup_other_cpu_cores: float  # cores kept busy by other processes meanwhile, on average
    training_s: Optional[float]
    rasa_peak_bytes: int
    rasa_final_bytes: int  # resident at the end of the run, once the model is loaded and warm
    actions_peak_bytes: int
    levels: Dict[int, LevelFigures] = field(default_factory=dict)
    training_side_by_side: bool = False  # trained at once with the other model, sharing the cores


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


def ratio(project: Optional[float], default: Optional[float]) -> Optional[float]:
    if project is None or default is None or default == 0:
        return None
    return project / default


def _number(value: Optional[float], decimals: int = 1, missing: str = NOT_MEASURED) -> str:
    return missing if value is None else f"{value:.{decimals}f}"


Row = Tuple[str, str, str, str]  # figure, project, default, project/default


def comparison_rows(project: PipelineFigures, default: PipelineFigures) -> List[Row]:
    """The side-by-side table: every figure for both pipelines, and their ratio where it means something."""

    def compared(
        name: str, ours: Optional[float], theirs: Optional[float], decimals: int = 1, missing: str = NOT_MEASURED
    ) -> Row:
        return (
            name,
            _number(ours, decimals, missing),
            _number(theirs, decimals, missing),
            _number(ratio(ours, theirs), 2, "-"),
        )

    def counted(name: str, ours: int, theirs: int) -> Row:
        return (name, str(ours), str(theirs), "-")

    rows = [
        compared("ready after start (s)", project.ready_s, default.ready_s),
        (
            "start-up: cores taken by other processes",
            _number(project.startup_other_cpu_cores, 2),
            _number(default.startup_other_cpu_cores, 2),
            "-",
        ),
        compared(
            "training (s), side by side"
            if project.training_side_by_side or default.training_side_by_side
            else "training (s)",
            project.training_s,
            default.training_s,
            missing=NOT_RECORDED,
        ),
        compared("Rasa peak resident memory (MB)", project.rasa_peak_bytes / MB, default.rasa_peak_bytes / MB, 0),
        compared(
            "Rasa resident memory at the end (MB)", project.rasa_final_bytes / MB, default.rasa_final_bytes / MB, 0
        ),
        compared(
            "action server peak resident memory (MB)",
            project.actions_peak_bytes / MB,
            default.actions_peak_bytes / MB,
            0,
        ),
    ]

    def read(attribute: str, figures: Optional[LevelFigures]):
        return getattr(figures, attribute) if figures else None

    for level in sorted(set(project.levels) | set(default.levels)):
        ours, theirs = project.levels.get(level), default.levels.get(level)
        rows += [
            compared(f"{level:>2} concurrent: p50 turn latency (ms)", read("p50_ms", ours), read("p50_ms", theirs)),
            compared(f"{level:>2} concurrent: p95 turn latency (ms)", read("p95_ms", ours), read("p95_ms", theirs)),
            compared(f"{level:>2} concurrent: p99 turn latency (ms)", read("p99_ms", ours), read("p99_ms", theirs)),
            compared(
                f"{level:>2} concurrent: turns per second",
                read("turns_per_second", ours),
                read("turns_per_second", theirs),
            ),
            counted(f"{level:>2} concurrent: turns", read("turns", ours) or 0, read("turns", theirs) or 0),
            counted(f"{level:>2} concurrent: errors", read("error_count", ours) or 0, read("error_count", theirs) or 0),
            counted(f"{level:>2} concurrent: flood refusals", read("refused", ours) or 0, read("refused", theirs) or 0),
            (
                f"{level:>2} concurrent: cores taken by other processes",
                _number(read("other_cpu_cores", ours), 2),
                _number(read("other_cpu_cores", theirs), 2),
                "-",
            ),
        ]
    return rows


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
    """The steps (start-up, levels) during which other processes took enough CPU to skew the figures."""
    busy = []
    for pipeline, figures in results.items():
        steps = [
            ("start-up", figures.startup_other_cpu_cores),
            *((f"{level} concurrent", found.other_cpu_cores) for level, found in figures.levels.items()),
        ]
        busy += [f"{pipeline} {step}: {cores:.2f} cores" for step, cores in steps if cores > BUSY_NEIGHBOUR_CORES]
    return busy


def _outcome_summary(found: LevelFigures) -> str:
    parts = [f"{kind}: {count}" for kind, count in sorted(found.errors.items())]
    if found.refused:
        parts.append(f"{REFUSED}: {found.refused}")
    return ", ".join(parts) or "none"


TABLE_HEADER: Row = ("figure", "project", "default", "project/default")


def text_table(rows: Sequence[Row], header: Row = TABLE_HEADER) -> str:
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


def check_targets(project: PipelineFigures, default: PipelineFigures) -> List[TargetCheck]:
    """The issue's targets for the project's pipeline; a figure that is missing is "not measured"."""

    def level_value(figures: PipelineFigures, level: int, attribute: str) -> Optional[float]:
        found = figures.levels.get(level)
        return getattr(found, attribute) if found else None

    p95_at_8 = level_value(project, 8, "p95_ms")
    per_second_at_32 = level_value(project, 32, "turns_per_second")
    checks = [
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
    for level in LEVELS:
        ours, theirs = level_value(project, level, "p95_ms"), level_value(default, level, "p95_ms")
        relative = ratio(ours, theirs)
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


def markdown_report(
    project: PipelineFigures, default: PipelineFigures, checks: Sequence[TargetCheck], machine: Mapping[str, str]
) -> str:
    """reports/bench.md: what was run, on what, the side-by-side figures and the targets."""
    busy = busy_neighbour_levels({"project": project, "default": default})
    busy_neighbour_warning = (
        [
            f"**The machine was not idle**: other processes took more than {BUSY_NEIGHBOUR_CORES} cores during "
            f"{'; '.join(busy)}. Those levels' figures are skewed; run `make bench` again on an idle machine.",
            "",
        ]
        if busy
        else []
    )
    lines = [
        "# Benchmark: project pipeline vs Rasa's default pipeline",
        "",
        "Both stacks started as `make run` starts them (action server and `rasa run` with the REST, web chat",
        "and agent-assist channels), one after the other, on free loopback ports. Conversations over",
        "`POST /webhooks/rest/webhook`: mostly a symptom report from the vignettes followed by the answers",
        'to the bot\'s questions (treatment, when it was last given, "no"), the rest held-out questions;',
        "each with a fresh sender, one turn after the reply to the previous one. Latencies are of answered",
        "turns; errors are non-200s, timeouts, connection errors, empty or invalid replies and the input",
        "guard's apology after a failure; flood refusals by the input guard are counted apart.",
        "",
        markdown_table([(name, f"`{value}`") for name, value in machine.items()], ("machine and run", "")),
        "",
        "## Figures",
        "",
        markdown_table(comparison_rows(project, default), TABLE_HEADER),
        "",
        "- Ready: from the start of the Rasa process to its first non-empty reply over REST, probed once a",
        "  second as the end-to-end tests do.",
        "- Peak memory: the sum of the peak resident set (VmHWM) of the server and the processes it started,",
        "  sampled every second; at the end: their resident set (VmRSS) after the last level.",
        "- Training: the wall-clock time of `rasa train` as the Makefile's training rules recorded it",
        f'  (`models/*{TRAINING_SECONDS_SUFFIX}`); "{NOT_RECORDED}" for a model trained some other way;',
        '  "side by side" when both models were trained at once (`make models`), sharing the cores.',
        "- Cores taken by other processes: the machine's CPU time while the step ran, less that of the",
        "  benchmark and its servers. The figures assume it is near 0.",
        "",
        *busy_neighbour_warning,
        "## Targets (project pipeline, 2-core machine)",
        "",
        markdown_table([(c.target, c.figure, c.status) for c in checks], ("target", "figure", "")),
        "",
        "Plot: `bench_latency.png`. Every turn's latency and outcome: `bench_raw.json`.",
        "",
    ]
    return "\n".join(lines)
