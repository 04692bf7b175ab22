"""The benchmark's figures, tables and target checks, on hand-made measurements."""

import os
import subprocess

import pytest

from evaluation.bench_figures import (
    EMPTY_REPLY,
    FAILED,
    MET,
    MISSED,
    NOT_MEASURED,
    NOT_RECORDED,
    OK,
    REFUSED,
    TIMEOUT,
    LevelFigures,
    PipelineFigures,
    busy_neighbour_levels,
    check_targets,
    comparison_rows,
    cpu_model,
    level_figures,
    markdown_report,
    percentile,
    ratio,
    read_training_seconds,
    targets_text,
    text_table,
    trained_side_by_side,
    training_seconds_path,
    turns_per_second,
    unanswered_levels,
)
from ops.stack import REPO_ROOT


def test_percentiles_interpolate_between_ranks_like_numpy():
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    assert percentile(list(range(1, 101)), 99) == pytest.approx(99.01)
    assert percentile([7.0], 99) == 7.0
    assert percentile([10, 20], 0) == 10 and percentile([10, 20], 100) == 20


def test_a_percentile_of_nothing_is_an_error():
    with pytest.raises(ValueError):
        percentile([], 50)


def test_turns_per_second():
    assert turns_per_second(120, 30.0) == 4.0
    assert turns_per_second(5, 0.0) == 0.0


def test_a_levels_latencies_are_those_of_answered_turns_and_refusals_are_counted_apart():
    turns = [
        (OK, 10.0),
        (OK, 20.0),
        (OK, 30.0),
        (OK, 40.0),
        (REFUSED, 1.0),
        (TIMEOUT, 30000.0),
        (EMPTY_REPLY, 5.0),
        (EMPTY_REPLY, 6.0),
    ]
    figures = level_figures(8, turns, elapsed_s=2.0, other_cpu_cores=0.05)
    assert (figures.turns, figures.answered, figures.refused) == (8, 4, 1)
    assert figures.errors == {TIMEOUT: 1, EMPTY_REPLY: 2}
    assert figures.error_count == 3
    assert figures.p50_ms == 25.0
    assert figures.p99_ms == pytest.approx(39.7)
    assert figures.turns_per_second == 2.0
    assert figures.unanswered_fraction == 0.5
    assert figures.other_cpu_cores == 0.05


def test_a_level_without_an_answer_has_no_latency():
    figures = level_figures(1, [(FAILED, 3.0)], elapsed_s=1.0, other_cpu_cores=0.0)
    assert (figures.p50_ms, figures.p95_ms, figures.answered, figures.errors) == (None, None, 0, {FAILED: 1})


def _level(concurrency, p95, per_second=50.0, answered=100, turns=100, p50=None, other_cores=0.0):
    return LevelFigures(
        concurrency=concurrency,
        turns=turns,
        answered=answered,
        refused=0,
        errors={TIMEOUT: turns - answered} if turns > answered else {},
        p50_ms=p50 if p50 is not None else p95 / 2,
        p95_ms=p95,
        p99_ms=p95 * 1.5,
        turns_per_second=per_second,
        other_cpu_cores=other_cores,
    )


def _pipeline(
    name="project",
    p95s=(50.0, 100.0, 400.0),
    per_second=(20.0, 45.0, 45.0),
    ready=30.0,
    training=200.0,
    rasa_mb=900,
    actions_mb=100,
):
    levels = {c: _level(c, p95, rate) for c, p95, rate in zip((1, 8, 32), p95s, per_second)}
    return PipelineFigures(
        name=name,
        model=f"models/{name}.tar.gz",
        ready_s=ready,
        startup_other_cpu_cores=0.01,
        training_s=training,
        rasa_peak_bytes=rasa_mb * 1_000_000,
        rasa_final_bytes=rasa_mb * 900_000,
        actions_peak_bytes=actions_mb * 1_000_000,
        levels=levels,
    )


def test_training_seconds_are_read_next_to_the_model(tmp_path):
    model = tmp_path / "triage.tar.gz"
    model.write_bytes(b"model")
    assert training_seconds_path(model) == tmp_path / "triage.train_seconds"
    assert read_training_seconds(model) is None
    training_seconds_path(model).write_text("312.4\n")
    assert read_training_seconds(model) == 312.4


def test_training_seconds_older_than_the_model_or_unreadable_are_not_recorded(tmp_path):
    model = tmp_path / "baseline.tar.gz"
    model.write_bytes(b"model")
    seconds = training_seconds_path(model)
    seconds.write_text("100.0\n")
    os.utime(seconds, (model.stat().st_mtime - 60, model.stat().st_mtime - 60))
    assert read_training_seconds(model) is None
    seconds.write_text("a while\n")
    assert read_training_seconds(model) is None


def test_ratio_is_missing_without_both_figures():
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(None, 2.0) is None and ratio(3.0, None) is None and ratio(3.0, 0.0) is None


def test_the_side_by_side_rows_compare_each_figure():
    rows = {
        row[0]: row[1:]
        for row in comparison_rows(
            _pipeline(), _pipeline("default", p95s=(40.0, 50.0, 200.0), ready=20.0, training=None)
        )
    }
    assert rows["ready after start (s)"] == ("30.0", "20.0", "1.50")
    assert rows["training (s)"] == ("200.0", NOT_RECORDED, "-")
    assert rows["Rasa peak resident memory (MB)"] == ("900", "900", "1.00")
    assert rows[" 8 concurrent: p95 turn latency (ms)"] == ("100.0", "50.0", "2.00")
    assert rows["32 concurrent: turns per second"] == ("45.0", "45.0", "1.00")
    assert rows[" 1 concurrent: errors"] == ("0", "0", "-")
    assert rows["start-up: cores taken by other processes"] == ("0.01", "0.01", "-")
    assert rows["32 concurrent: cores taken by other processes"] == ("0.00", "0.00", "-")
    assert rows["Rasa resident memory at the end (MB)"] == ("810", "810", "1.00")
    assert list(rows)[6:9] == [f" 1 concurrent: p{q} turn latency (ms)" for q in (50, 95, 99)]


def test_the_text_table_aligns_names_left_and_figures_right():
    table = text_table([("ready (s)", "30.0", "120.5", "0.25"), ("a longer figure", "1", "2", "-")])
    assert table.splitlines() == [
        "figure           project  default  project/default",
        "ready (s)           30.0    120.5             0.25",
        "a longer figure        1        2                -",
    ]


def test_targets_met():
    checks = check_targets(_pipeline(), _pipeline("default", p95s=(50.0, 90.0, 400.0)))
    assert [c.status for c in checks] == [MET] * 8
    assert checks[0].target == "p95 turn latency < 150 ms at 8 concurrent" and checks[0].figure == "100.0 ms"


def test_targets_missed_each_for_its_own_reason():
    slow = _pipeline(p95s=(50.0, 150.0, 400.0), per_second=(20.0, 30.0, 39.9), ready=41.0, training=400.0, rasa_mb=1600)
    checks = {c.target: c for c in check_targets(slow, _pipeline("default", p95s=(50.0, 100.0, 300.0)))}
    assert checks["p95 turn latency < 150 ms at 8 concurrent"].status == MISSED
    assert checks[">= 40 turns/s at 32 concurrent"].status == MISSED
    assert checks["Rasa resident memory < 1.5 GB"].status == MISSED
    assert checks["ready within 40 s of start"].status == MISSED
    assert checks["training < 6 min"].status == MISSED
    assert checks["project p95 <= 1.3 x default p95 at 1 concurrent"].status == MET
    assert checks["project p95 <= 1.3 x default p95 at 8 concurrent"].status == MISSED
    assert checks["project p95 <= 1.3 x default p95 at 8 concurrent"].figure == "1.50 x"
    assert checks["project p95 <= 1.3 x default p95 at 32 concurrent"].status == MISSED


def test_targets_at_their_bounds():
    exact = _pipeline(p95s=(65.0, 149.9, 400.0), per_second=(20.0, 30.0, 40.0), ready=40.0)
    checks = {c.target: c.status for c in check_targets(exact, _pipeline("default", p95s=(50.0, 149.9, 400.0)))}
    assert checks["p95 turn latency < 150 ms at 8 concurrent"] == MET
    assert checks[">= 40 turns/s at 32 concurrent"] == MET
    assert checks["ready within 40 s of start"] == MET
    assert checks["project p95 <= 1.3 x default p95 at 1 concurrent"] == MET


def test_a_target_without_its_figure_is_not_measured():
    project = _pipeline(training=None)
    del project.levels[32]
    checks = {c.target: c for c in check_targets(project, _pipeline("default"))}
    assert checks["training < 6 min"].status == NOT_MEASURED
    assert checks["training < 6 min"].figure == NOT_RECORDED
    assert checks[">= 40 turns/s at 32 concurrent"].status == NOT_MEASURED
    assert checks["project p95 <= 1.3 x default p95 at 32 concurrent"].status == NOT_MEASURED
    assert "NOT MEASURED  training < 6 min" in targets_text(list(checks.values()))


def test_levels_with_too_many_unanswered_turns_make_the_run_fail():
    fine = _pipeline()
    fine.levels[8] = _level(8, 100.0, answered=99, turns=100)
    broken = _pipeline("default")
    broken.levels[32] = _level(32, 100.0, answered=97, turns=100)
    broken.levels[1] = LevelFigures(1, 3, 0, 3, {}, None, None, None, 0.0, 0.0)
    assert unanswered_levels({"project": fine, "default": broken}) == [
        "default at 1 concurrent: 3 of 3 turns unanswered (refused: 3)",
        "default at 32 concurrent: 3 of 100 turns unanswered (timeout: 3)",
    ]


def test_steps_when_other_processes_took_the_cpu_are_named():
    quiet, busy = _pipeline(), _pipeline("default")
    busy.startup_other_cpu_cores = 0.9
    busy.levels[8] = _level(8, 100.0, other_cores=0.21)
    busy.levels[32] = _level(32, 100.0, other_cores=0.2)
    assert busy_neighbour_levels({"project": quiet, "default": busy}) == [
        "default start-up: 0.90 cores",
        "default 8 concurrent: 0.21 cores",
    ]
    checks = check_targets(quiet, busy)
    assert "The machine was not idle" in markdown_report(quiet, busy, checks, {})
    assert "The machine was not idle" not in markdown_report(quiet, quiet, checks, {})


def test_the_cpu_model_is_read_from_cpuinfo():
    assert cpu_model("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n") == "AMD EPYC 7B13"
    assert cpu_model("processor : 0\nModel : Raspberry Pi 4 Model B\n") == "Raspberry Pi 4 Model B"
    assert cpu_model("") == "unknown"


def test_the_markdown_report_holds_the_machine_the_figures_and_the_targets():
    project, default = _pipeline(), _pipeline("default", p95s=(50.0, 50.0, 100.0))
    checks = check_targets(project, default)
    report = markdown_report(project, default, checks, {"cores": "2", "seconds per level": "30"})
    assert "| cores | `2` |" in report
    assert "| ready after start (s) | 30.0 | 30.0 | 1.00 |" in report
    assert "| project p95 <= 1.3 x default p95 at 8 concurrent | 2.00 x | missed |" in report
    assert "| p95 turn latency < 150 ms at 8 concurrent | 100.0 ms | met |" in report


def test_the_makefiles_timing_script_records_what_bench_reads(tmp_path):
    model = tmp_path / "triage.tar.gz"
    model.write_bytes(b"model")
    seconds = training_seconds_path(model)
    timed = subprocess.run([REPO_ROOT / "ops" / "timed.sh", seconds, "sleep", "0.3"])
    assert timed.returncode == 0
    assert 0.2 <= read_training_seconds(model) < 5
    assert not trained_side_by_side(model)
    seconds.unlink()
    failed = subprocess.run([REPO_ROOT / "ops" / "timed.sh", seconds, "false"])
    assert failed.returncode != 0 and not seconds.exists()


def test_a_training_that_shared_the_cores_is_reported_as_side_by_side_not_against_the_target(tmp_path):
    model = tmp_path / "triage.tar.gz"
    model.write_bytes(b"model")
    seconds = training_seconds_path(model)
    timed = subprocess.run(
        [REPO_ROOT / "ops" / "timed.sh", seconds, "true"], env={**os.environ, "TRAINED_SIDE_BY_SIDE": "yes"}
    )
    assert timed.returncode == 0
    assert read_training_seconds(model) < 5 and trained_side_by_side(model)

    project = _pipeline(training=488.2)
    project.training_side_by_side = True
    training = next(c for c in check_targets(project, _pipeline("default")) if c.target.startswith("training"))
    assert training.status == NOT_MEASURED and "488.2 s, side by side" in training.figure
    rows = dict((name, (ours, theirs)) for name, ours, theirs, _ in comparison_rows(project, _pipeline("default")))
    assert rows["training (s), side by side"] == ("488.2", "200.0")
