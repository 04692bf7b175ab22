"""The benchmark's outputs: the raw turns kept, the plot written, progress that passes the result on."""

import asyncio
import json

from evaluation.bench import with_progress, write_plot, write_raw
from evaluation.bench_figures import OK, TIMEOUT, PipelineFigures, level_figures
from evaluation.bench_load import REPORT, LoadRun, TurnRecord


def _measured(name):
    runs = {
        level: LoadRun(
            level,
            [
                TurnRecord(REPORT, OK, 10.0 * level, 0.0),
                TurnRecord(REPORT, OK, 20.0 * level, 0.1),
                TurnRecord(REPORT, TIMEOUT, 30000.0, 0.2),
            ],
            elapsed_s=1.0,
        )
        for level in (1, 8, 32)
    }
    figures = PipelineFigures(
        name=name,
        model=f"models/{name}.tar.gz",
        ready_s=25.0,
        startup_other_cpu_cores=0.0,
        training_s=None,
        rasa_peak_bytes=800_000_000,
        rasa_final_bytes=700_000_000,
        actions_peak_bytes=90_000_000,
        levels={
            level: level_figures(level, [(r.outcome, r.latency_ms) for r in run.records], run.elapsed_s, 0.1)
            for level, run in runs.items()
        },
    )
    return figures, runs


def test_the_raw_file_keeps_every_turn_and_the_pipelines_figures(tmp_path):
    project, project_runs = _measured("project")
    default, default_runs = _measured("default")
    path = tmp_path / "bench_raw.json"
    write_raw(
        {"project": project, "default": default},
        {"project": project_runs, "default": default_runs},
        {"cores": "2"},
        path,
    )
    raw = json.loads(path.read_text())
    assert raw["machine"] == {"cores": "2"}
    assert raw["pipelines"]["project"]["ready_s"] == 25.0
    assert raw["pipelines"]["default"]["training_s"] is None
    turns = raw["pipelines"]["project"]["levels"]["8"]["turns"]
    assert [(t["outcome"], t["latency_ms"]) for t in turns] == [(OK, 80.0), (OK, 160.0), (TIMEOUT, 30000.0)]
    assert raw["pipelines"]["project"]["levels"]["8"]["other_cpu_cores"] == 0.1


def test_the_plot_is_a_png(tmp_path):
    path = tmp_path / "bench_latency.png"
    write_plot({"project": _measured("project")[0], "default": _measured("default")[0]}, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_progress_passes_the_result_on():
    async def answer():
        await asyncio.sleep(0.05)
        return 42

    assert asyncio.run(with_progress(answer(), "waiting", total_s=1, postfix=lambda: "x")) == 42
    assert asyncio.run(with_progress(answer(), "waiting")) == 42
