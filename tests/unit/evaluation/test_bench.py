"""The benchmark's outputs: the raw turns kept, the plots written, progress that passes the result
on, and which pipelines a run measures."""

import asyncio
import json

import pytest

from evaluation.bench import (
    ASSISTANTS,
    PipelineRuns,
    chosen_assistants,
    with_progress,
    write_plot,
    write_raw,
    write_turn_plot,
)
from evaluation.bench_figures import (
    OK,
    TIMEOUT,
    HumanPaceFigures,
    PipelineFigures,
    level_figures,
    turn_index_figures,
)
from evaluation.bench_load import LONG, REPORT, LoadRun, TurnRecord
from evaluation.floor import FLOOR_MODEL, FLOOR_PROJECT


def _measured(name, by_turn=False):
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
    turn_runs = None
    if by_turn:
        turn_runs = [[TurnRecord(LONG, OK, 10.0 + n + extra, 0.0) for n in range(20)] for extra in (0.0, 2.0)]
        figures.turn_index = turn_index_figures([[(r.outcome, r.latency_ms) for r in c] for c in turn_runs], 0.0)
    return figures, PipelineRuns(runs, turn_runs)


def test_the_raw_file_keeps_every_turn_and_the_pipelines_figures(tmp_path):
    project, project_runs = _measured("project")
    default, default_runs = _measured("default")
    path = tmp_path / "bench_raw.json"
    pace_run = LoadRun(300, [TurnRecord(REPORT, OK, 40.0, 3.0), TurnRecord(REPORT, TIMEOUT, 30000.0, 9.0)], 120.5)
    project.human_pace = HumanPaceFigures(
        300, (10.0, 20.0), 19.5, 120.0, level_figures(300, [(OK, 40.0), (TIMEOUT, 30000.0)], 120.5, 0.02)
    )
    project_runs.human_pace = pace_run
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
    pace = raw["pipelines"]["project"]["human_pace"]
    assert (pace["conversations"], pace["target_turns_per_second"], pace["elapsed_s"]) == (300, 19.5, 120.5)
    assert [t["outcome"] for t in pace["turns"]] == [OK, TIMEOUT]
    assert "human_pace" not in raw["pipelines"]["default"] and "turn_index" not in raw["pipelines"]["default"]


def test_the_raw_file_keeps_every_turn_of_the_turn_index(tmp_path):
    floor, floor_runs = _measured("floor", by_turn=True)
    path = tmp_path / "bench_raw.json"
    write_raw({"floor": floor}, {"floor": floor_runs}, {}, path)
    turn_index = json.loads(path.read_text())["pipelines"]["floor"]["turn_index"]
    assert turn_index["median_ms"][0] == 11.0 and turn_index["median_ms"][19] == 30.0
    assert [len(conversation) for conversation in turn_index["conversations"]] == [20, 20]
    assert turn_index["conversations"][1][0]["latency_ms"] == 12.0


def test_the_plots_are_pngs(tmp_path):
    results = {name: _measured(name, by_turn=name != "default")[0] for name in ("floor", "project", "default")}
    write_plot(results, tmp_path / "bench_latency.png")
    write_turn_plot(results, tmp_path / "bench_turns.png")
    for name in ("bench_latency.png", "bench_turns.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_floor_is_measured_first_and_served_with_its_own_channels_and_no_action_server():
    assert [a.name for a in chosen_assistants(["project", "floor"])] == ["floor", "project"]
    assert [a.name for a in chosen_assistants(["default", "project", "floor"])] == ["floor", "project", "default"]
    floor = ASSISTANTS["floor"]
    assert floor.model == FLOOR_MODEL and not floor.action_server and floor.empty_is_answer
    assert (floor.credentials, floor.endpoints) == (FLOOR_PROJECT / "credentials.yml", FLOOR_PROJECT / "endpoints.yml")
    assert ASSISTANTS["project"].action_server and not ASSISTANTS["project"].empty_is_answer


@pytest.mark.parametrize("names", [["project"], ["floor"], ["floor", "project", "peer"]])
def test_a_run_without_the_floor_or_the_project_is_refused(names):
    with pytest.raises(ValueError):
        chosen_assistants(names)


def test_progress_passes_the_result_on():
    async def answer():
        await asyncio.sleep(0.05)
        return 42

    assert asyncio.run(with_progress(answer(), "waiting", total_s=1, postfix=lambda: "x")) == 42
    assert asyncio.run(with_progress(answer(), "waiting")) == 42
