"""`make bench-scaled`: the project's model served by the scaled set-up (Rasa servers behind nginx,
PostgreSQL, Redis: ops/scaled_stack.py) with 1 and then 2 Rasa servers, under the same load
as `make bench` (1, 8 and 32 concurrent conversations over REST). It answers one question with a
ratio measured in one run: on this machine, do more Rasa processes answer more turns, faster?

Writes reports/bench_scaled.md and prints it. Environment: BENCH_SECONDS, BENCH_WARMUP_SECONDS (as
`make bench`), BENCH_RASA_SERVERS (default "1 2").
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Dict, List

from evaluation.bench import LOGS, REPORTS, SECONDS_PER_LEVEL, WARMUP_SECONDS, measure_level
from evaluation.bench_figures import LEVELS, LevelFigures, level_figures
from evaluation.bench_load import message_sources
from ops.scaled_stack import start_scaled_stack


def bench_servers(count: int) -> Dict[int, LevelFigures]:
    """Start the set-up with `count` Rasa servers, measure every level through nginx, stop it."""
    reports, questions = message_sources()
    log_dir = LOGS / f"scaled-{count}"
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"Starting the scaled set-up with {count} Rasa server(s)...", flush=True)
    stack = start_scaled_stack(log_dir, rasa_count=count)
    try:
        figures = {}
        for level in LEVELS:
            run, other_cores = asyncio.run(
                measure_level(
                    stack.url, f"{count}-servers", level, reports, questions, SECONDS_PER_LEVEL, WARMUP_SECONDS
                )
            )
            figures[level] = level_figures(
                level, [(r.outcome, r.latency_ms) for r in run.records], run.elapsed_s, other_cores
            )
        return figures
    finally:
        stack.stop()


def report(results: Dict[int, Dict[int, LevelFigures]]) -> str:
    counts = sorted(results)
    lines = [
        "# Scaled set-up: Rasa servers behind nginx, PostgreSQL, Redis",
        "",
        f"{os.cpu_count()} cores, {SECONDS_PER_LEVEL:.0f} s per level after a {WARMUP_SECONDS:.0f} s warm-up; "
        "the project's model; conversations as in `make bench`.",
        "",
        "| concurrent | " + " | ".join(f"{n} server(s): p50 / p95 ms, turns/s, errors" for n in counts) + " |",
        "|---|" + "---|" * len(counts),
    ]
    for level in LEVELS:
        cells = []
        for count in counts:
            figures = results[count][level]
            errors = sum(figures.errors.values())
            cells.append(
                f"{figures.p50_ms or 0:.0f} / {figures.p95_ms or 0:.0f}, {figures.turns_per_second:.1f}, {errors}"
            )
        lines.append(f"| {level} | " + " | ".join(cells) + " |")
    if len(counts) > 1:
        first, last = counts[0], counts[-1]
        top = max(LEVELS)
        ratio = results[last][top].turns_per_second / max(results[first][top].turns_per_second, 1e-9)
        lines += ["", f"Turns per second at {top} concurrent, {last} servers / {first}: {ratio:.2f}."]
    return "\n".join(lines) + "\n"


def main() -> int:
    counts: List[int] = [int(n) for n in os.environ.get("BENCH_RASA_SERVERS", "1 2").split()]
    REPORTS.mkdir(exist_ok=True)
    results = {count: bench_servers(count) for count in counts}
    text = report(results)
    (REPORTS / "bench_scaled.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
