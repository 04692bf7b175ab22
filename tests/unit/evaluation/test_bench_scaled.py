"""The scaled benchmark's report: one row per concurrency, one column per number of servers, and
the ratio that answers whether more servers answer more turns on this machine."""

from evaluation.bench_figures import LEVELS, level_figures
from evaluation.bench_scaled import report


def figures(turns_per_second: float, latency_ms: float):
    """Each level: `turns_per_second` over 10 s, every turn answered in `latency_ms`, one timeout."""
    turns = [("ok", latency_ms)] * int(turns_per_second * 10) + [("timeout", 30000.0)]
    return {level: level_figures(level, turns, 10.0, 0.0) for level in LEVELS}


def test_the_report_puts_servers_side_by_side_with_the_ratio_at_the_top_level():
    text = report({1: figures(10.0, 800.0), 2: figures(15.0, 500.0)})
    rows = [line for line in text.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == len(LEVELS)
    assert rows[-1] == f"| {max(LEVELS)} | 800 / 800, 10.0, 1 | 500 / 500, 15.0, 1 |"
    assert f"Turns per second at {max(LEVELS)} concurrent, 2 servers / 1: 1.50." in text


def test_one_server_count_alone_has_no_ratio():
    assert "Turns per second at" not in report({2: figures(12.0, 600.0)})
