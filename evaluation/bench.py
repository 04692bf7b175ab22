"""`make bench`: the project's pipeline and Rasa's default pipeline, each served as `make run` serves
it, under 1, 8 and 32 concurrent conversations over the REST channel, side by side.

For each pipeline in turn: start the action server and Rasa on free ports, time how long Rasa takes
to give its first reply, warm up, then drive conversations for BENCH_SECONDS (default 30) per
level (evaluation.bench_load), while sampling the servers' memory and how much CPU other processes
take (evaluation.procfs); then stop both. Conversations go to a database of the run's own. Writes
reports/bench.md, reports/bench_latency.png and reports/bench_raw.json, and prints the table and
the targets. A missed target is reported, not a failure: the exit code is non-zero only when the
benchmark could not run (a server did not start, or too many turns got no answer).

Usage: python -m evaluation.bench [MODEL BASELINE_MODEL]
Environment: BENCH_SECONDS (per level), BENCH_WARMUP_SECONDS (per level, not measured).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Awaitable, Callable, Dict, Iterable, List, Optional, Tuple, TypeVar

from tqdm import tqdm

from evaluation.bench_figures import (
    LEVELS,
    OK,
    P95_LATENCY_MS_AT_8,
    PIPELINES,
    TURNS_PER_SECOND_AT_32,
    PipelineFigures,
    busy_neighbour_levels,
    check_targets,
    comparison_rows,
    cpu_model,
    level_figures,
    markdown_report,
    read_training_seconds,
    targets_text,
    text_table,
    trained_side_by_side,
    unanswered_levels,
)
from evaluation.bench_load import LoadRun, TurnRecord, conversation_scripts, message_sources, run_load
from evaluation.procfs import OtherProcessesCpu, PeakMemoryWatch
from ops.stack import (
    REPO_ROOT,
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
MODELS = {"project": REPO_ROOT / "models" / "triage.tar.gz", "default": REPO_ROOT / "models" / "baseline.tar.gz"}
SECONDS_PER_LEVEL = float(os.environ.get("BENCH_SECONDS", "30"))
WARMUP_SECONDS = float(os.environ.get("BENCH_WARMUP_SECONDS", "5"))
MEMORY_SAMPLE_INTERVAL_S = 1.0
# A redrawn bar on a terminal; a line now and then in a log, where every redraw is a line of its own.
PROGRESS_INTERVAL_S = 0.5 if sys.stderr.isatty() else 10.0
WARMUP_SEED_OFFSET = 1000  # warm-up conversations differ from the measured ones
# A slow start is a figure to report (the target is 40 s), not a failure: only a server that has not
# answered after this long, or has exited, makes the run fail.
STARTUP_TIMEOUT_S = 300.0
RASA_READY, ACTIONS_READY = "rasa: a reply over REST", "action server: GET /health"

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
            run_load(base_url, level, warmup_seconds, warmup, f"warmup-{pipeline}-{level}"),
            f"{pipeline}: warm-up at {level:>2}",
            warmup_seconds,
        )
    scripts = conversation_scripts(reports, questions, seed=level)
    others = OtherProcessesCpu([os.getpid()])
    others.start()
    run = await with_progress(
        run_load(base_url, level, seconds, scripts, f"bench-{pipeline}-{level}", count),
        f"{pipeline}: {level:>2} concurrent",
        seconds,
        postfix,
    )
    return run, others.stop()


async def bench_pipeline(
    pipeline: str, model: Path, seconds: float, warmup_seconds: float
) -> Tuple[PipelineFigures, Dict[int, LoadRun]]:
    """Start the stack with `model`, measure it at every level, stop it."""
    reports, questions = message_sources()
    log_dir = LOGS / pipeline
    _clear_previous_run(log_dir)
    actions_port = free_port()
    rasa_port = free_port(exclude={actions_port})
    action_server_url = f"http://localhost:{actions_port}/webhook"
    base_url = f"http://127.0.0.1:{rasa_port}"
    servers = []
    sampler = None
    others_during_startup = OtherProcessesCpu([os.getpid()])  # this process, and under it the servers
    others_during_startup.start()
    try:
        actions = start_action_server(actions_port, log_dir)
        servers.append(actions)
        rasa = start_rasa(rasa_port, action_server_url, log_dir, model=model)
        servers.append(rasa)
        watches = {"rasa": PeakMemoryWatch(rasa.pid), "actions": PeakMemoryWatch(actions.pid)}
        sampler = asyncio.create_task(sample_memory(watches.values()))
        checks = {
            ACTIONS_READY: lambda: http_ok(f"http://127.0.0.1:{actions_port}/health"),
            RASA_READY: lambda: rasa_answers(base_url),
        }
        passed_at = await with_progress(
            asyncio.to_thread(wait_until_ready, checks, servers, STARTUP_TIMEOUT_S),
            f"{pipeline}: starting ({model.name})",
        )
        startup_other_cpu_cores = others_during_startup.stop()
        measured = {
            level: await measure_level(base_url, pipeline, level, reports, questions, seconds, warmup_seconds)
            for level in LEVELS
        }
        for watch in watches.values():
            watch.sample()
    finally:
        if sampler:
            sampler.cancel()
        for server in reversed(servers):
            server.stop()
    figures = PipelineFigures(
        name=pipeline,
        model=repo_relative(model),
        ready_s=passed_at[RASA_READY] - rasa.started_at,
        startup_other_cpu_cores=startup_other_cpu_cores,
        training_s=read_training_seconds(model),
        training_side_by_side=trained_side_by_side(model),
        rasa_peak_bytes=watches["rasa"].peak_bytes,
        rasa_final_bytes=watches["rasa"].resident_bytes,
        actions_peak_bytes=watches["actions"].peak_bytes,
        levels={
            level: level_figures(level, [(r.outcome, r.latency_ms) for r in run.records], run.elapsed_s, cores)
            for level, (run, cores) in measured.items()
        },
    )
    return figures, {level: run for level, (run, _) in measured.items()}


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
    }


def write_plot(results: Dict[str, PipelineFigures], path: Path) -> None:
    """Latency percentiles and turns per second against concurrency, both pipelines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    figure, (latency_axis, rate_axis) = plt.subplots(1, 2, figsize=(12, 4.8))
    colours = {"p50_ms": "tab:green", "p95_ms": "tab:orange", "p99_ms": "tab:red"}
    line_styles = {"project": "-", "default": "--"}
    pipeline_colours = {"project": "tab:blue", "default": "tab:grey"}
    for pipeline, figures in results.items():
        levels = sorted(figures.levels)
        for attribute, colour in colours.items():
            points = [(level, getattr(figures.levels[level], attribute)) for level in levels]
            points = [(x, y) for x, y in points if y is not None]
            latency_axis.plot(
                [x for x, _ in points],
                [y for _, y in points],
                line_styles[pipeline],
                marker="o",
                color=colour,
                label=f"{pipeline} {attribute[:3]}",
            )
        rate_axis.plot(
            levels,
            [figures.levels[level].turns_per_second for level in levels],
            line_styles[pipeline],
            marker="o",
            color=pipeline_colours[pipeline],
            label=pipeline,
        )
    latency_axis.axhline(P95_LATENCY_MS_AT_8, color="grey", linestyle=":", label="target: p95 at 8")
    rate_axis.axhline(TURNS_PER_SECOND_AT_32, color="grey", linestyle=":", label="target at 32")
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
    latency_axis.set_title("Turn latency: project (solid) vs default (dashed)")
    rate_axis.set_ylabel("answered turns per second")
    rate_axis.set_ylim(bottom=0)
    rate_axis.set_title("Throughput")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def write_raw(
    results: Dict[str, PipelineFigures], runs: Dict[str, Dict[int, LoadRun]], machine: Dict[str, str], path: Path
) -> None:
    """Every turn (kind, outcome, latency, start), so that any other figure can be computed later."""
    raw = {
        "machine": machine,
        "pipelines": {
            pipeline: {
                **{k: v for k, v in asdict(figures).items() if k != "levels"},
                "levels": {
                    str(level): {**run.as_json(), "other_cpu_cores": figures.levels[level].other_cpu_cores}
                    for level, run in runs[pipeline].items()
                },
            }
            for pipeline, figures in results.items()
        },
    }
    path.write_text(json.dumps(raw, indent=1), encoding="utf-8")


def main(argv: List[str]) -> int:
    models = dict(zip(PIPELINES, (Path(a).resolve() for a in argv))) if argv else MODELS
    missing = [str(path) for path in models.values() if not path.exists()]
    if missing:
        print(f"Missing model(s): {', '.join(missing)}; `make bench` trains them.", file=sys.stderr)
        return 1
    REPORTS.mkdir(exist_ok=True)
    machine = machine_description(SECONDS_PER_LEVEL, WARMUP_SECONDS)
    results: Dict[str, PipelineFigures] = {}
    runs: Dict[str, Dict[int, LoadRun]] = {}
    for pipeline, model in models.items():
        machine[f"load average before the {pipeline} run"] = " ".join(f"{load:.2f}" for load in os.getloadavg())
        try:
            results[pipeline], runs[pipeline] = asyncio.run(
                bench_pipeline(pipeline, model, SECONDS_PER_LEVEL, WARMUP_SECONDS)
            )
        except StartupError as error:
            print(f"FAIL: the {pipeline} pipeline's stack did not start.\n{error}", file=sys.stderr)
            return 1
    project, default = results["project"], results["default"]
    checks = check_targets(project, default)
    write_raw(results, runs, machine, REPORTS / "bench_raw.json")
    write_plot(results, REPORTS / "bench_latency.png")
    (REPORTS / "bench.md").write_text(markdown_report(project, default, checks, machine), encoding="utf-8")
    print(text_table(comparison_rows(project, default)))
    print()
    print(targets_text(checks))
    print(f"\nReports: {REPORTS / 'bench.md'}, bench_latency.png, bench_raw.json; server logs in {LOGS}")
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
    sys.exit(main(sys.argv[1:3]))
