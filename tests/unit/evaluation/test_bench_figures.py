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
    HumanPaceFigures,
    LevelFigures,
    PipelineFigures,
    busy_neighbour_levels,
    check_targets,
    comparison_rows,
    conversations_for_rate,
    cpu_model,
    human_pace_rows,
    human_pace_target,
    level_figures,
    markdown_report,
    percentile,
    ratio,
    read_training_seconds,
    table_header,
    targets_text,
    text_table,
    trained_side_by_side,
    training_seconds_path,
    turn_index_figures,
    turn_index_rows,
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
        actions_peak_bytes=None if actions_mb is None else actions_mb * 1_000_000,
        levels=levels,
    )


def _floor(p95s=(40.0, 80.0, 320.0), per_second=(25.0, 40.0, 50.0)):
    """Rasa's minimal assistant: no action server; its typical turn (p50 at 1) is 20 ms."""
    return _pipeline("floor", p95s, per_second, ready=10.0, training=100.0, rasa_mb=500, actions_mb=None)


def _twenty_turns(step_ms, conversations=3):
    """Conversations of 20 answered turns, turn n taking n * step_ms (+ 0, 1, 5 ms by conversation)."""
    return [[(OK, n * step_ms + extra) for n in range(1, 21)] for extra in (0.0, 1.0, 5.0)[:conversations]]


def _human_pace(p95, errors=0, conversations=150, per_second=9.5):
    turns = 1000
    level = LevelFigures(
        conversations,
        turns,
        turns - errors,
        0,
        {TIMEOUT: errors} if errors else {},
        p95 / 2,
        p95,
        p95 * 2,
        per_second,
        0.0,
    )
    return HumanPaceFigures(conversations, (10.0, 20.0), 10.0, 120.0, level)


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


def _three():
    return {
        "floor": _floor(),
        "project": _pipeline(),
        "default": _pipeline("default", p95s=(40.0, 60.0, 200.0), ready=20.0, training=None),
    }


def test_every_figure_is_shown_beside_its_ratio_to_the_floor():
    results = _three()
    assert table_header(results) == (
        "figure",
        "floor",
        "project",
        "default",
        "project/floor",
        "default/floor",
        "project/default",
    )
    rows = {row[0]: row[1:] for row in comparison_rows(results)}
    assert rows["ready after start (s)"] == ("10.0", "30.0", "20.0", "3.00", "2.00", "1.50")
    assert rows["training (s)"] == ("100.0", "200.0", NOT_RECORDED, "2.00", "-", "-")
    assert rows["Rasa peak resident memory (MB)"] == ("500", "900", "900", "1.80", "1.80", "1.00")
    assert rows["Rasa resident memory at the end (MB)"] == ("450", "810", "810", "1.80", "1.80", "1.00")
    assert rows["action server peak resident memory (MB)"] == ("none", "100", "100", "-", "-", "1.00")
    assert rows[" 8 concurrent: p95 turn latency (ms)"] == ("80.0", "100.0", "60.0", "1.25", "0.75", "1.67")
    assert rows[" 1 concurrent: p50 turn latency (ms)"] == ("20.0", "25.0", "20.0", "1.25", "1.00", "1.25")
    assert rows["32 concurrent: turns per second"] == ("50.0", "45.0", "45.0", "0.90", "0.90", "1.00")
    assert rows[" 1 concurrent: errors"] == ("0", "0", "0", "-", "-", "-")
    assert rows["start-up: cores taken by other processes"] == ("0.01", "0.01", "0.01", "-", "-", "-")
    assert rows["32 concurrent: cores taken by other processes"] == ("0.00", "0.00", "0.00", "-", "-", "-")
    assert list(rows)[6:9] == [f" 1 concurrent: p{q} turn latency (ms)" for q in (50, 95, 99)]


def test_without_the_default_pipeline_the_ratios_are_to_the_floor_only():
    results = {"project": _pipeline(), "floor": _floor()}
    assert table_header(results) == ("figure", "floor", "project", "project/floor")
    rows = {row[0]: row[1:] for row in comparison_rows(results)}
    assert rows["32 concurrent: p95 turn latency (ms)"] == ("320.0", "400.0", "1.25")


def test_the_text_table_aligns_names_left_and_figures_right():
    header = ("figure", "project", "default", "project/default")
    table = text_table([("ready (s)", "30.0", "120.5", "0.25"), ("a longer figure", "1", "2", "-")], header)
    assert table.splitlines() == [
        "figure           project  default  project/default",
        "ready (s)           30.0    120.5             0.25",
        "a longer figure        1        2                -",
    ]


def test_the_median_of_each_turn_index_is_over_the_conversations_answered_turns():
    conversations = _twenty_turns(10.0)
    conversations[1][4] = (TIMEOUT, 30000.0)  # turn 5 of the second conversation got no answer
    figures = turn_index_figures(conversations, other_cpu_cores=0.03)
    assert figures.conversations == 3 and figures.unanswered == 1
    assert len(figures.median_ms) == 20
    assert figures.turn(1) == 11.0 and figures.turn(3) == 31.0 and figures.turn(20) == 201.0
    assert figures.turn(5) == 52.5  # the median of 50 and 55
    assert figures.turn(0) is None and figures.turn(21) is None
    assert figures.late_over_early == pytest.approx(201.0 / 31.0)


def test_a_turn_index_nobody_was_answered_at_has_no_median():
    figures = turn_index_figures([[(OK, 10.0), (TIMEOUT, 1.0)], [(OK, 30.0)]], other_cpu_cores=0.0)
    assert figures.median_ms == [20.0, None]
    assert figures.unanswered == 1 and figures.late_over_early is None


def test_turns_are_compared_with_the_floors_same_turn():
    floor, project = _floor(), _pipeline()
    floor.turn_index = turn_index_figures(_twenty_turns(5.0), 0.0)
    project.turn_index = turn_index_figures(_twenty_turns(10.0), 0.0)
    results = {"floor": floor, "project": project, "default": _pipeline("default")}
    rows = turn_index_rows(results)
    assert len(rows) == 20
    assert rows[2] == ("3", "16.0", "31.0", "1.94")  # the default pipeline was not measured by turn
    assert rows[19] == ("20", "101.0", "201.0", "1.99")
    table = {row[0]: row[1:] for row in comparison_rows(results)}
    assert table["turn 3: median latency (ms)"] == ("16.0", "31.0", NOT_MEASURED, "1.94", "-", "-")
    assert table["turn 20 / turn 3"] == ("6.31", "6.48", NOT_MEASURED, "1.03", "-", "-")


def test_the_human_pace_holds_as_many_conversations_as_offer_the_rate():
    assert conversations_for_rate(15.0, (10.0, 20.0)) == 225
    assert conversations_for_rate(15.01, (10.0, 20.0)) == 226
    assert conversations_for_rate(0.01, (10.0, 20.0)) == 1
    pace = _human_pace(100.0, conversations=225)
    assert pace.offered_turns_per_second == 15.0


def test_the_human_pace_offers_half_the_floors_throughput():
    assert human_pace_target(_floor(per_second=(25.0, 40.0, 38.0)).levels) == 20.0
    assert human_pace_target(_floor(per_second=(0.0, 0.0, 0.0)).levels) is None
    assert human_pace_target({}) is None


def test_the_human_pace_figures_are_read_against_the_floors_typical_turn_and_throughput():
    project = _pipeline()
    project.human_pace = _human_pace(60.0, errors=2, conversations=300)
    rows = {row[0]: row[1:] for row in human_pace_rows(project, _floor())}
    assert rows["conversations held at once"] == ("300", "-", "")
    assert rows["offered turns per second"] == ("20.0", "0.40", "the floor's throughput")
    assert rows["answered turns per second"] == ("9.5", "0.19", "the floor's throughput")
    assert rows["p95 turn latency (ms)"] == ("60.0", "3.00", "the floor's typical turn")
    assert rows["p99 turn latency (ms)"] == ("120.0", "6.00", "the floor's typical turn")
    assert rows["errors"] == ("2", "-", "timeout: 2")
    assert human_pace_rows(_pipeline(), _floor()) == []


def _floor_checks(results):
    return {c.target: c for c in check_targets(results)}


def test_the_issue_16_targets_met_as_ratios_to_the_floor():
    floor, project = (
        _floor(per_second=(25.0, 40.0, 50.0)),
        _pipeline(p95s=(52.0, 100.0, 400.0), per_second=(20, 40, 40)),
    )
    project.turn_index = turn_index_figures([[(OK, 100.0)] * 2 + [(OK, 100.0)] + [(OK, 120.0)] * 17], 0.0)
    project.human_pace = _human_pace(80.0)
    checks = _floor_checks({"floor": floor, "project": project})
    assert checks["typical turn (p50, 1 conversation) <= 1.3 x the floor's"].status == MET  # 26 / 20
    assert checks["typical turn (p50, 1 conversation) <= 1.3 x the floor's"].figure == "1.30 x"
    assert checks["turn 20 <= 1.3 x turn 3 of a conversation"].status == MET
    assert checks["turns/s at 32 concurrent >= 0.8 x the floor's, 0 errors"].figure == "0.80 x, 0 errors"
    assert checks["turns/s at 32 concurrent >= 0.8 x the floor's, 0 errors"].status == MET
    human = "human pace: p95 <= 4 x the floor's typical turn, 0 errors"
    assert (checks[human].figure, checks[human].status) == ("4.00 x, 0 errors", MET)
    assert not any("default" in target for target in checks)


def test_the_issue_16_targets_missed_each_for_its_own_reason():
    floor = _floor()
    project = _pipeline(p95s=(53.0, 100.0, 400.0), per_second=(20.0, 45.0, 39.9))
    project.levels[32] = _level(32, 400.0, per_second=45.0, answered=99, turns=100)
    project.turn_index = turn_index_figures([[(OK, 100.0)] * 19 + [(OK, 131.0)]], 0.0)
    project.human_pace = _human_pace(79.0, errors=1)
    checks = _floor_checks({"floor": floor, "project": project})
    assert checks["typical turn (p50, 1 conversation) <= 1.3 x the floor's"].status == MISSED  # 26.5 / 20
    assert checks["turn 20 <= 1.3 x turn 3 of a conversation"].status == MISSED  # 1.31
    throughput = checks["turns/s at 32 concurrent >= 0.8 x the floor's, 0 errors"]
    assert (throughput.figure, throughput.status) == ("0.90 x, 1 errors", MISSED)
    human = checks["human pace: p95 <= 4 x the floor's typical turn, 0 errors"]
    assert (human.figure, human.status) == ("3.95 x, 1 errors", MISSED)
    slow = _pipeline(per_second=(20.0, 45.0, 39.9))
    slow.human_pace = _human_pace(81.0)
    checks = _floor_checks({"floor": floor, "project": slow})
    assert checks["turns/s at 32 concurrent >= 0.8 x the floor's, 0 errors"].status == MISSED
    assert checks["human pace: p95 <= 4 x the floor's typical turn, 0 errors"].status == MISSED


def test_the_issue_16_targets_without_their_figures_are_not_measured():
    checks = _floor_checks({"project": _pipeline()})
    for target in (
        "typical turn (p50, 1 conversation) <= 1.3 x the floor's",
        "turn 20 <= 1.3 x turn 3 of a conversation",
        "turns/s at 32 concurrent >= 0.8 x the floor's, 0 errors",
        "human pace: p95 <= 4 x the floor's typical turn, 0 errors",
    ):
        assert (checks[target].status, checks[target].figure) == (NOT_MEASURED, NOT_MEASURED)


def _project_and_default(project, default):
    return {"floor": _floor(), "project": project, "default": default}


def test_targets_met():
    checks = check_targets(_project_and_default(_pipeline(), _pipeline("default", p95s=(50.0, 90.0, 400.0))))
    earlier = [c for c in checks if not c.target.startswith(("typical", "turn", "human"))]
    assert [c.status for c in earlier] == [MET] * 8
    assert earlier[0].target == "p95 turn latency < 150 ms at 8 concurrent" and earlier[0].figure == "100.0 ms"


def test_targets_missed_each_for_its_own_reason():
    slow = _pipeline(p95s=(50.0, 150.0, 400.0), per_second=(20.0, 30.0, 39.9), ready=41.0, training=400.0, rasa_mb=1600)
    checks = {
        c.target: c for c in check_targets(_project_and_default(slow, _pipeline("default", p95s=(50.0, 100.0, 300.0))))
    }
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
    results = _project_and_default(exact, _pipeline("default", p95s=(50.0, 149.9, 400.0)))
    checks = {c.target: c.status for c in check_targets(results)}
    assert checks["p95 turn latency < 150 ms at 8 concurrent"] == MET
    assert checks[">= 40 turns/s at 32 concurrent"] == MET
    assert checks["ready within 40 s of start"] == MET
    assert checks["project p95 <= 1.3 x default p95 at 1 concurrent"] == MET


def test_a_target_without_its_figure_is_not_measured():
    project = _pipeline(training=None)
    del project.levels[32]
    checks = {c.target: c for c in check_targets(_project_and_default(project, _pipeline("default")))}
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
    busy.turn_index = turn_index_figures(_twenty_turns(10.0), other_cpu_cores=0.5)
    busy.human_pace = _human_pace(100.0)
    assert busy_neighbour_levels({"project": quiet, "default": busy}) == [
        "default start-up: 0.90 cores",
        "default 8 concurrent: 0.21 cores",
        "default turn index: 0.50 cores",
    ]
    results = {"floor": _floor(), "project": quiet, "default": busy}
    assert "The machine was not idle" in markdown_report(results, check_targets(results), {})
    calm = {"floor": _floor(), "project": quiet}
    assert "The machine was not idle" not in markdown_report(calm, check_targets(calm), {})


def test_the_cpu_model_is_read_from_cpuinfo():
    assert cpu_model("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n") == "AMD EPYC 7B13"
    assert cpu_model("processor : 0\nModel : Raspberry Pi 4 Model B\n") == "Raspberry Pi 4 Model B"
    assert cpu_model("") == "unknown"


def test_the_markdown_report_holds_the_machine_the_figures_and_the_targets():
    results = _project_and_default(_pipeline(), _pipeline("default", p95s=(50.0, 50.0, 100.0)))
    report = markdown_report(results, check_targets(results), {"cores": "2", "seconds per level": "30"})
    assert "| cores | `2` |" in report
    assert "| figure | floor | project | default | project/floor | default/floor | project/default |" in report
    assert "| ready after start (s) | 10.0 | 30.0 | 30.0 | 3.00 | 3.00 | 1.00 |" in report
    assert "| project p95 <= 1.3 x default p95 at 8 concurrent | 2.00 x | missed |" in report
    assert "| p95 turn latency < 150 ms at 8 concurrent | 100.0 ms | met |" in report
    assert "Latency by turn index" not in report and "Human pace" not in report


def test_the_markdown_report_holds_the_turn_index_and_the_human_pace():
    floor, project = _floor(), _pipeline()
    floor.turn_index = turn_index_figures(_twenty_turns(5.0), 0.0)
    project.turn_index = turn_index_figures(_twenty_turns(10.0), 0.0)
    project.human_pace = _human_pace(60.0)
    results = {"floor": floor, "project": project}
    report = markdown_report(results, check_targets(results), {})
    assert "## Latency by turn index" in report and "| 20 | 101.0 | 201.0 | 1.99 |" in report
    assert "## Human pace (the project)" in report
    assert "| p95 turn latency (ms) | 60.0 | 3.00 | the floor's typical turn |" in report
    assert "| human pace: p95 <= 4 x the floor's typical turn, 0 errors | 3.00 x, 0 errors | met |" in report


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
    results = {"project": project, "default": _pipeline("default")}
    training = next(c for c in check_targets(results) if c.target.startswith("training"))
    assert training.status == NOT_MEASURED and "488.2 s, side by side" in training.figure
    rows = {row[0]: row[1:3] for row in comparison_rows(results)}
    assert rows["training (s), side by side"] == ("488.2", "200.0")
