"""`make bench`: the project against Rasa's floor (its own minimal assistant, evaluation/floor.py),
each served as `make run` serves the project, in one run, with every figure also as a ratio to
the floor's.

Every pipeline's stack is started, one after the other (the floor first, and it needs no action
server), on free ports, timing how long Rasa takes to give its first reply; all are then kept
running and measured in turns, step by step, so that on a shared machine each step's figures of
the floor and of the project are taken close together: closed loop at 1, 8 and 32 concurrent
conversations over REST, each level after a warm-up (evaluation.bench_load); latency by turn
index (the floor and the project), one 20-turn conversation at a time, paced under the flood
limit; then the project at human pace: as many conversations as offer half the floor's
throughput (measured just before), each sending its next message 10-20 s after the reply.
Meanwhile it samples the servers' memory and how much CPU other processes take
(evaluation.procfs). Conversations go to databases of the run's own. Writes reports/bench.md,
bench_latency.png, bench_turns.png and bench_raw.json, and prints the tables and the targets. A
missed target is reported, not a failure: the exit code is non-zero only when the benchmark could
not run (a server did not start, or too many turns got no answer).

Environment: BENCH_SECONDS (per level, default 30), BENCH_WARMUP_SECONDS (per level, not measured,
default 5), BENCH_TURN_CONVERSATIONS (default 3), BENCH_HUMAN_PACE_SECONDS (default 120),
BENCH_PIPELINES (default "floor project"; "floor project default" adds Rasa's default
pipeline trained on the project's data, about 4 minutes more).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Awaitable, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, TypeVar

from tqdm import tqdm

from evaluation.bench_figures import (
    DEFAULT,
    EARLY_TURN,
    FLOOR,
    HUMAN_PACE_HEADER,
    LATE_TURN,
    LATE_TURN_RATIO,
    LEVELS,
    OK,
    P95_LATENCY_MS_AT_8,
    PIPELINES,
    PROJECT,
    TURNS_PER_SECOND_AT_32,
    HumanPaceFigures,
    LevelFigures,
    PipelineFigures,
    TurnIndexFigures,
    busy_neighbour_levels,
    check_targets,
    comparison_rows,
    conversations_for_rate,
    cpu_model,
    human_pace_rows,
    human_pace_target,
    level_figures,
    markdown_report,
    measured_in_order,
    read_training_seconds,
    table_header,
    targets_text,
    text_table,
    trained_side_by_side,
    turn_index_figures,
    turn_index_rows,
    unanswered_levels,
)
from evaluation.bench_load import (
    HUMAN_PACE_RAMP_S,
    HUMAN_PAUSE_S,
    TWENTY_TURNS,
    LoadRun,
    TurnRecord,
    conversation_scripts,
    flood_safe_pause_s,
    message_sources,
    run_human_pace,
    run_load,
    run_turn_index,
)
from evaluation.floor import FLOOR_MODEL, FLOOR_PROJECT
from evaluation.procfs import OtherProcessesCpu, PeakMemoryWatch
from ops.stack import (
    CREDENTIALS,
    ENDPOINTS,
    REPO_ROOT,
    ServerProcess,
    StartupError,
    free_port,
    http_ok,
    rasa_answers,
    repo_relative,
    start_action_server,
    start_rasa,
    wait_until_ready,
)

REPORTS = REPO_ROOT / "reports"
LOGS = REPORTS / "bench_logs"
SECONDS_PER_LEVEL = float(os.environ.get("BENCH_SECONDS", "30"))
WARMUP_SECONDS = float(os.environ.get("BENCH_WARMUP_SECONDS", "5"))
TURN_CONVERSATIONS = int(os.environ.get("BENCH_TURN_CONVERSATIONS", "3"))
HUMAN_PACE_SECONDS = float(os.environ.get("BENCH_HUMAN_PACE_SECONDS", "120"))
MEASURED_PIPELINES = os.environ.get("BENCH_PIPELINES", f"{FLOOR} {PROJECT}").split()
MEMORY_SAMPLE_INTERVAL_S = 1.0
# A redrawn bar on a terminal; a line now and then in a log, where every redraw is a line of its own.
PROGRESS_INTERVAL_S = 0.5 if sys.stderr.isatty() else 10.0
WARMUP_SEED_OFFSET = 1000  # warm-up conversations differ from the measured ones
HUMAN_PACE_SEED = 16
# A slow start is a figure to report (the target is 40 s), not a failure: only a server that has not
# answered after this long, or has exited, makes the run fail.
STARTUP_TIMEOUT_S = 300.0
RASA_READY, ACTIONS_READY = "rasa: a reply over REST", "action server: GET /health"


@dataclass(frozen=True)
class Assistant:
    """What a pipeline's stack is started from, and how its replies count."""

    name: str
    model: Path
    action_server: bool
    credentials: Path = CREDENTIALS
    endpoints: Path = ENDPOINTS
    empty_is_answer: bool = False  # the floor's rules answer some messages with nothing


ASSISTANTS = {
    FLOOR: Assistant(
        FLOOR,
        FLOOR_MODEL,
        action_server=False,
        credentials=FLOOR_PROJECT / "credentials.yml",
        endpoints=FLOOR_PROJECT / "endpoints.yml",
        empty_is_answer=True,
    ),
    PROJECT: Assistant(PROJECT, REPO_ROOT / "models" / "triage.tar.gz", action_server=True),
    DEFAULT: Assistant(DEFAULT, REPO_ROOT / "models" / "baseline.tar.gz", action_server=True),
}

Result = TypeVar("Result")


async def with_progress(
    awaitable: Awaitable[Result],
    description: str,
    total_s: Optional[float] = None,
    postfix: Optional[Callable[[], str]] = None,
) -> Result:
    """Await while a progress bar on stderr counts the seconds (and shows `postfix()` beside them)."""
    task = asyncio.ensure_future(awaitable)
    bar_format = "{desc}: {bar} {n:.0f}/{total:.0f} s {postfix}" if total_s else "{desc}: {n:.0f} s {postfix}"
    started = time.monotonic()
    with tqdm(total=total_s, desc=description, bar_format=bar_format, file=sys.stderr) as bar:
        while not task.done():
            await asyncio.wait({task}, timeout=PROGRESS_INTERVAL_S)
            elapsed = time.monotonic() - started
            bar.n = min(elapsed, total_s) if total_s else elapsed
            if postfix:
                bar.set_postfix_str(postfix(), refresh=False)
            bar.refresh()
    return task.result()


async def sample_memory(watches: Iterable[PeakMemoryWatch]) -> None:
    while True:
        for watch in watches:
            watch.sample()
        await asyncio.sleep(MEMORY_SAMPLE_INTERVAL_S)


def _clear_previous_run(log_dir: Path) -> None:
    """The logs and conversation databases of the last run are of no use to this one."""
    log_dir.mkdir(parents=True, exist_ok=True)
    for old in [*log_dir.glob("*.log"), *log_dir.glob("conversations-*.db")]:
        old.unlink()


async def measure_level(
    base_url: str,
    pipeline: str,
    level: int,
    reports: List[str],
    questions: List[str],
    seconds: float,
    warmup_seconds: float,
    empty_is_answer: bool = False,
) -> Tuple[LoadRun, float]:
    """A warm-up (not measured), then the measured run, at one concurrency; with the cores other
    processes took meanwhile."""
    counts = {"turns": 0, "unanswered": 0}

    def count(record: TurnRecord) -> None:
        counts["turns"] += 1
        counts["unanswered"] += record.outcome != OK

    def postfix() -> str:
        return f"{counts['turns']} turns, {counts['unanswered']} unanswered"

    if warmup_seconds > 0:
        warmup = conversation_scripts(reports, questions, seed=WARMUP_SEED_OFFSET + level)
        await with_progress(
            run_load(
                base_url, level, warmup_seconds, warmup, f"warmup-{pipeline}-{level}", empty_is_answer=empty_is_answer
            ),
            f"{pipeline}: warm-up at {level:>2}",
            warmup_seconds,
        )
    scripts = conversation_scripts(reports, questions, seed=level)
    others = OtherProcessesCpu([os.getpid()])
    others.start()
    run = await with_progress(
        run_load(base_url, level, seconds, scripts, f"bench-{pipeline}-{level}", count, empty_is_answer),
        f"{pipeline}: {level:>2} concurrent",
        seconds,
        postfix,
    )
    return run, others.stop()


@dataclass
class PipelineRuns:
    """Every turn a pipeline was sent, for bench_raw.json."""

    levels: Dict[int, LoadRun]
    turn_index: Optional[List[List[TurnRecord]]] = None
    human_pace: Optional[LoadRun] = None


async def measure_turn_index(
    stacks: Mapping[str, RunningStack], conversations: int
) -> Dict[str, Tuple[TurnIndexFigures, List[List[TurnRecord]]]]:
    """Latency by turn index: TWENTY_TURNS, one conversation at a time, taking turns between the
    stacks conversation by conversation; with the cores other processes took meanwhile."""
    others = OtherProcessesCpu([os.getpid()])
    others.start()
    pause_s = flood_safe_pause_s()
    measured: Dict[str, List[List[TurnRecord]]] = {name: [] for name in stacks}

    async def every_conversation() -> None:
        for number in range(conversations):
            for name, stack in stacks.items():
                measured[name] += await run_turn_index(
                    stack.base_url,
                    TWENTY_TURNS,
                    1,
                    pause_s,
                    f"turns-{name}-{number}",
                    stack.assistant.empty_is_answer,
                )

    await with_progress(
        every_conversation(),
        f"{' and '.join(stacks)}: {conversations} conversations of {len(TWENTY_TURNS)} turns each",
        len(stacks) * conversations * len(TWENTY_TURNS) * pause_s,
    )
    cores = others.stop()
    return {
        name: (turn_index_figures([[(r.outcome, r.latency_ms) for r in c] for c in runs], cores), runs)
        for name, runs in measured.items()
    }


async def measure_human_pace(base_url: str, assistant: Assistant, target_turns_per_second: float, seconds: float):
    """The human-pace load at `target_turns_per_second`; with the cores other processes took meanwhile."""
    reports, questions = message_sources()
    conversations = conversations_for_rate(target_turns_per_second, HUMAN_PAUSE_S)
    counts = {"turns": 0, "unanswered": 0}

    def count(record: TurnRecord) -> None:
        counts["turns"] += 1
        counts["unanswered"] += record.outcome != OK

    others = OtherProcessesCpu([os.getpid()])
    others.start()
    run = await with_progress(
        run_human_pace(
            base_url,
            conversations,
            seconds,
            conversation_scripts(reports, questions, seed=HUMAN_PACE_SEED),
            f"human-{assistant.name}",
            random.Random(HUMAN_PACE_SEED),
            HUMAN_PAUSE_S,
            count,
            assistant.empty_is_answer,
        ),
        f"{assistant.name}: {conversations} conversations at human pace",
        HUMAN_PACE_RAMP_S + seconds,
        lambda: f"{counts['turns']} turns, {counts['unanswered']} unanswered",
    )
    level = level_figures(conversations, [(r.outcome, r.latency_ms) for r in run.records], run.elapsed_s, others.stop())
    return HumanPaceFigures(conversations, HUMAN_PAUSE_S, target_turns_per_second, seconds, level), run


@dataclass
class RunningStack:
    """One pipeline's servers, started and answering."""

    assistant: Assistant
    base_url: str
    rasa: ServerProcess
    watches: Dict[str, PeakMemoryWatch]
    ready_s: float  # from the start of the Rasa process to its first non-empty REST reply
    startup_other_cpu_cores: float


async def start_stack(assistant: Assistant, servers: List[ServerProcess]) -> RunningStack:
    """Start the servers of `assistant` (each added to `servers` as it starts, for the caller to
    stop whatever happens) and wait until Rasa answers."""
    log_dir = LOGS / assistant.name
    _clear_previous_run(log_dir)
    actions_port = free_port()
    rasa_port = free_port(exclude={actions_port})
    base_url = f"http://127.0.0.1:{rasa_port}"
    others_during_startup = OtherProcessesCpu([os.getpid()])  # this process, and under it the servers
    others_during_startup.start()
    watches = {}
    checks = {RASA_READY: lambda: rasa_answers(base_url)}
    if assistant.action_server:
        actions = start_action_server(actions_port, log_dir)
        servers.append(actions)
        watches["actions"] = PeakMemoryWatch(actions.pid)
        checks[ACTIONS_READY] = lambda: http_ok(f"http://127.0.0.1:{actions_port}/health")
    rasa = start_rasa(
        rasa_port,
        f"http://localhost:{actions_port}/webhook",
        log_dir,
        model=assistant.model,
        credentials=assistant.credentials,
        endpoints=assistant.endpoints,
    )
    servers.append(rasa)
    watches["rasa"] = PeakMemoryWatch(rasa.pid)
    passed_at = await with_progress(
        asyncio.to_thread(wait_until_ready, checks, servers, STARTUP_TIMEOUT_S),
        f"{assistant.name}: starting ({assistant.model.name})",
    )
    return RunningStack(
        assistant, base_url, rasa, watches, passed_at[RASA_READY] - rasa.started_at, others_during_startup.stop()
    )


def _figures_of_levels(measured: Dict[int, Tuple[LoadRun, float]]) -> Dict[int, LevelFigures]:
    return {
        level: level_figures(level, [(r.outcome, r.latency_ms) for r in run.records], run.elapsed_s, cores)
        for level, (run, cores) in measured.items()
    }


async def bench_all(
    assistants: List[Assistant],
    seconds: float,
    warmup_seconds: float,
    turn_conversations: int,
    human_pace_seconds: float,
    machine: Dict[str, str],
) -> Tuple[Dict[str, PipelineFigures], Dict[str, PipelineRuns]]:
    """Start every pipeline's stack, one after the other, then measure them in turns, step by
    step (each level, then the turn index), so that each step's figures of the floor and of the
    project are taken minutes apart at most, on a machine that may be shared; then the project
    at human pace, at half the floor's throughput just measured. Stop them all."""
    reports, questions = message_sources()
    servers: List[ServerProcess] = []
    stacks: Dict[str, RunningStack] = {}
    measured: Dict[str, Dict[int, Tuple[LoadRun, float]]] = {a.name: {} for a in assistants}
    turn_indexes: Dict[str, Tuple[TurnIndexFigures, List[List[TurnRecord]]]] = {}
    human_pace: Optional[Tuple[HumanPaceFigures, LoadRun]] = None
    watches: List[PeakMemoryWatch] = []
    sampler = asyncio.create_task(sample_memory(watches))
    try:
        for assistant in assistants:
            machine[f"load average before the {assistant.name} start"] = " ".join(
                f"{load:.2f}" for load in os.getloadavg()
            )
            stacks[assistant.name] = await start_stack(assistant, servers)
            watches.extend(stacks[assistant.name].watches.values())
        for level in LEVELS:
            for name, stack in stacks.items():
                measured[name][level] = await measure_level(
                    stack.base_url,
                    name,
                    level,
                    reports,
                    questions,
                    seconds,
                    warmup_seconds,
                    stack.assistant.empty_is_answer,
                )
        if turn_conversations:
            turn_indexes = await measure_turn_index(
                {name: stacks[name] for name in (FLOOR, PROJECT)}, turn_conversations
            )
        target = human_pace_target(_figures_of_levels(measured[FLOOR]))
        if target:
            human_pace = await measure_human_pace(
                stacks[PROJECT].base_url, stacks[PROJECT].assistant, target, human_pace_seconds
            )
        for watch in watches:
            watch.sample()
    finally:
        sampler.cancel()
        for server in reversed(servers):
            server.stop()
    results, runs = {}, {}
    for name, stack in stacks.items():
        model = stack.assistant.model
        turn_index, turn_runs = turn_indexes.get(name, (None, None))
        pace, pace_run = human_pace if human_pace and name == PROJECT else (None, None)
        results[name] = PipelineFigures(
            name=name,
            model=repo_relative(model),
            ready_s=stack.ready_s,
            startup_other_cpu_cores=stack.startup_other_cpu_cores,
            training_s=read_training_seconds(model),
            training_side_by_side=trained_side_by_side(model),
            rasa_peak_bytes=stack.watches["rasa"].peak_bytes,
            rasa_final_bytes=stack.watches["rasa"].resident_bytes,
            actions_peak_bytes=stack.watches["actions"].peak_bytes if "actions" in stack.watches else None,
            levels=_figures_of_levels(measured[name]),
            turn_index=turn_index,
            human_pace=pace,
        )
        runs[name] = PipelineRuns({level: run for level, (run, _) in measured[name].items()}, turn_runs, pace_run)
    return results, runs


def machine_description(seconds: float, warmup_seconds: float) -> Dict[str, str]:
    try:
        cpu = cpu_model(Path("/proc/cpuinfo").read_text(errors="replace"))
    except OSError:
        cpu = platform.processor() or "unknown"
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": str(os.cpu_count()),
        "CPU": cpu,
        "Python": platform.python_version(),
        "Rasa": metadata.version("rasa"),
        "Rasa SDK": metadata.version("rasa-sdk"),
        "seconds per level": f"{seconds:g} (after a {warmup_seconds:g} s warm-up)",
        "concurrency levels": ", ".join(str(level) for level in LEVELS),
        "turn index": f"{TURN_CONVERSATIONS} conversations of {len(TWENTY_TURNS)} turns, "
        f"{flood_safe_pause_s():.2f} s after each reply",
        "human pace": f"{HUMAN_PACE_SECONDS:g} s after a {HUMAN_PACE_RAMP_S:g} s ramp, "
        f"{HUMAN_PAUSE_S[0]:g}-{HUMAN_PAUSE_S[1]:g} s after each reply",
    }


LINE_STYLES = {FLOOR: ":", PROJECT: "-", DEFAULT: "--"}
PIPELINE_COLOURS = {FLOOR: "tab:grey", PROJECT: "tab:blue", DEFAULT: "tab:brown"}


def write_plot(results: Dict[str, PipelineFigures], path: Path) -> None:
    """Latency percentiles and turns per second against concurrency, every pipeline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    figure, (latency_axis, rate_axis) = plt.subplots(1, 2, figsize=(12, 4.8))
    colours = {"p50_ms": "tab:green", "p95_ms": "tab:orange", "p99_ms": "tab:red"}
    for pipeline in measured_in_order(results):
        figures = results[pipeline]
        levels = sorted(figures.levels)
        for attribute, colour in colours.items():
            points = [(level, getattr(figures.levels[level], attribute)) for level in levels]
            points = [(x, y) for x, y in points if y is not None]
            latency_axis.plot(
                [x for x, _ in points],
                [y for _, y in points],
                LINE_STYLES.get(pipeline, "-."),
                marker="o",
                color=colour,
                label=f"{pipeline} {attribute[:3]}",
            )
        rate_axis.plot(
            levels,
            [figures.levels[level].turns_per_second for level in levels],
            LINE_STYLES.get(pipeline, "-."),
            marker="o",
            color=PIPELINE_COLOURS.get(pipeline, "black"),
            label=pipeline,
        )
    latency_axis.axhline(P95_LATENCY_MS_AT_8, color="grey", linestyle="-.", linewidth=0.8, label="target: p95 at 8")
    rate_axis.axhline(TURNS_PER_SECOND_AT_32, color="grey", linestyle="-.", linewidth=0.8, label="target at 32")
    for axis in (latency_axis, rate_axis):
        axis.set_xscale("log", base=2)
        axis.set_xticks(list(LEVELS), [str(level) for level in LEVELS])
        axis.set_xlabel("concurrent conversations")
        axis.grid(True, which="major", alpha=0.3)
        axis.legend(fontsize=8)
    latency_axis.set_yscale("log")
    latency_axis.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    latency_axis.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
    latency_axis.yaxis.set_minor_formatter(ticker.NullFormatter())
    latency_axis.set_ylabel("turn latency (ms, log scale)")
    latency_axis.set_title("Turn latency: " + ", ".join(f"{p} ({LINE_STYLES.get(p, '-.')})" for p in results))
    rate_axis.set_ylabel("answered turns per second")
    rate_axis.set_ylim(bottom=0)
    rate_axis.set_title("Throughput")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def write_turn_plot(results: Dict[str, PipelineFigures], path: Path) -> None:
    """The median latency of each turn index, every pipeline measured so; and each turn of the
    project against the floor's same turn and against its own turn EARLY_TURN."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    measured = {name: results[name].turn_index for name in measured_in_order(results) if results[name].turn_index}
    figure, (latency_axis, ratio_axis) = plt.subplots(1, 2, figsize=(12, 4.8))
    for pipeline, turns in measured.items():
        numbers = [n for n in range(1, len(turns.median_ms) + 1) if turns.turn(n) is not None]
        latency_axis.plot(
            numbers,
            [turns.turn(n) for n in numbers],
            LINE_STYLES.get(pipeline, "-."),
            marker="o",
            color=PIPELINE_COLOURS.get(pipeline, "black"),
            label=f"{pipeline} ({turns.conversations} conversations)",
        )
    project, floor = measured.get(PROJECT), measured.get(FLOOR)
    if project:
        numbers = range(1, len(project.median_ms) + 1)

        def ratio_line(reference: Callable[[int], Optional[float]], label: str, colour: str) -> None:
            points = [(n, project.turn(n), reference(n)) for n in numbers]
            points = [(n, ours / theirs) for n, ours, theirs in points if ours is not None and theirs]
            ratio_axis.plot([n for n, _ in points], [r for _, r in points], marker="o", color=colour, label=label)

        if floor:
            ratio_line(floor.turn, "project / floor, same turn", "tab:blue")
        ratio_line(lambda _: project.turn(EARLY_TURN), f"project / its turn {EARLY_TURN}", "tab:purple")
        ratio_axis.axhline(
            LATE_TURN_RATIO,
            color="grey",
            linestyle="-.",
            linewidth=0.8,
            label=f"target: turn {LATE_TURN} <= {LATE_TURN_RATIO} x turn {EARLY_TURN}",
        )
    latency_axis.set_ylim(bottom=0)
    latency_axis.set_ylabel("median turn latency (ms)")
    latency_axis.set_title("Latency by turn index, one conversation at a time")
    ratio_axis.set_ylim(bottom=0)
    ratio_axis.set_ylabel("ratio")
    ratio_axis.set_title("The project's turns as ratios")
    for axis in (latency_axis, ratio_axis):
        axis.set_xlabel("turn of the conversation")
        axis.set_xticks(range(1, len(TWENTY_TURNS) + 1))
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def write_raw(
    results: Dict[str, PipelineFigures], runs: Dict[str, PipelineRuns], machine: Dict[str, str], path: Path
) -> None:
    """Every turn (kind, outcome, latency, start), so that any other figure can be computed later."""

    def turns(records: Iterable[TurnRecord]) -> List[dict]:
        return [asdict(r) for r in records]

    raw = {"machine": machine, "pipelines": {}}
    for pipeline, figures in results.items():
        measured = runs[pipeline]
        raw["pipelines"][pipeline] = {
            **{k: v for k, v in asdict(figures).items() if k not in ("levels", "turn_index", "human_pace")},
            "levels": {
                str(level): {**run.as_json(), "other_cpu_cores": figures.levels[level].other_cpu_cores}
                for level, run in measured.levels.items()
            },
        }
        if figures.turn_index and measured.turn_index is not None:
            raw["pipelines"][pipeline]["turn_index"] = {
                "median_ms": figures.turn_index.median_ms,
                "other_cpu_cores": figures.turn_index.other_cpu_cores,
                "conversations": [turns(records) for records in measured.turn_index],
            }
        if figures.human_pace and measured.human_pace is not None:
            pace = figures.human_pace
            raw["pipelines"][pipeline]["human_pace"] = {
                "conversations": pace.conversations,
                "pause_s": list(pace.pause_s),
                "target_turns_per_second": pace.target_turns_per_second,
                "seconds": pace.seconds,
                "other_cpu_cores": pace.level.other_cpu_cores,
                **measured.human_pace.as_json(),
            }
    path.write_text(json.dumps(raw, indent=1), encoding="utf-8")


def chosen_assistants(names: List[str]) -> List[Assistant]:
    """The pipelines to measure, the floor first (the others' ratios and the human pace need it)."""
    unknown = [name for name in names if name not in ASSISTANTS]
    if unknown or FLOOR not in names or PROJECT not in names:
        raise ValueError(
            f"BENCH_PIPELINES must name {FLOOR} and {PROJECT}, and only {', '.join(PIPELINES)} (got {' '.join(names)})"
        )
    return [ASSISTANTS[name] for name in PIPELINES if name in names]


def main() -> int:
    try:
        assistants = chosen_assistants(MEASURED_PIPELINES)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    missing = [str(a.model) for a in assistants if not a.model.exists()]
    if missing:
        print(f"Missing model(s): {', '.join(missing)}; `make bench` trains them.", file=sys.stderr)
        return 1
    REPORTS.mkdir(exist_ok=True)
    started = time.monotonic()
    machine = machine_description(SECONDS_PER_LEVEL, WARMUP_SECONDS)
    try:
        results, runs = asyncio.run(
            bench_all(assistants, SECONDS_PER_LEVEL, WARMUP_SECONDS, TURN_CONVERSATIONS, HUMAN_PACE_SECONDS, machine)
        )
    except StartupError as error:
        print(f"FAIL: a stack did not start.\n{error}", file=sys.stderr)
        return 1
    machine["minutes for the whole benchmark"] = f"{(time.monotonic() - started) / 60:.1f}"
    checks = check_targets(results)
    write_raw(results, runs, machine, REPORTS / "bench_raw.json")
    write_plot(results, REPORTS / "bench_latency.png")
    write_turn_plot(results, REPORTS / "bench_turns.png")
    (REPORTS / "bench.md").write_text(markdown_report(results, checks, machine), encoding="utf-8")
    print(text_table(comparison_rows(results), table_header(results)))
    print()
    print(text_table(turn_index_rows(results), table_header({n: f for n, f in results.items() if f.turn_index})))
    print()
    print(text_table(human_pace_rows(results[PROJECT], results[FLOOR]), HUMAN_PACE_HEADER))
    print()
    print(targets_text(checks))
    print(
        f"\nReports: {REPORTS / 'bench.md'}, bench_latency.png, bench_turns.png, bench_raw.json; server logs in {LOGS}"
    )
    print(f"The benchmark took {machine['minutes for the whole benchmark']} minutes.")
    busy = busy_neighbour_levels(results)
    if busy:
        print("WARNING: the machine was not idle, so these figures are skewed: " + "; ".join(busy), file=sys.stderr)
    failing = unanswered_levels(results)
    if failing:
        print(
            "FAIL: too many turns got no answer for the figures to count:\n  " + "\n  ".join(failing), file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
