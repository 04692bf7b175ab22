"""Latency by turn index: does a turn cost more the longer the conversation is?

Starts the stack as `make run` does, then holds several 20-turn conversations one at a time,
paced well under the input guard's flood limit, and records each turn's round trip. Writes
reports/turn_latency.md and .json: the median per turn index and the ratio of turn 20 to turn 3.
Beside it, what adding up the conversation costs the actions at each turn, from the kept state
(bot.triage.conversation.add_up) and from every earlier turn (as before the state was kept).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import requests

from evaluation.bench_load import TWENTY_TURNS as TURNS
from ops.stack import (
    REPO_ROOT,
    WEBHOOK_PATH,
    free_port,
    rasa_answers,
    start_action_server,
    start_rasa,
    wait_until_ready,
)

REPORTS = REPO_ROOT / "reports"
CONVERSATIONS = 5
PAUSE_S = 0.6  # 20 turns in 12 s or more: under the guard's 20 messages in 10 s


def one_conversation(base_url: str, sender: str) -> List[float]:
    seconds = []
    for text in TURNS:
        start = time.perf_counter()
        response = requests.post(base_url + WEBHOOK_PATH, json={"sender": sender, "message": text}, timeout=60)
        seconds.append(time.perf_counter() - start)
        response.raise_for_status()
        time.sleep(PAUSE_S)
    return seconds


def measure(base_url: str, conversations: int = CONVERSATIONS) -> Dict[str, object]:
    one_conversation(base_url, "warm-up")
    runs = [one_conversation(base_url, f"turn-latency-{i}") for i in range(conversations)]
    medians_ms = [1000 * statistics.median(run[i] for run in runs) for i in range(len(TURNS))]
    return {
        "conversations": conversations,
        "median_ms_by_turn": medians_ms,
        "turn_20_over_turn_3": medians_ms[19] / medians_ms[2],
    }


def add_up_cost_by_turn(repeats: int = 200) -> Dict[str, List[float]]:
    """Microseconds to add up the conversation at each turn of TURNS: from the kept state, and
    from scratch (every earlier turn read again, as each action did before the state was kept)."""
    from datetime import date

    from bot.triage.conversation import STATE_SLOT, add_up
    from bot.triage.entities import extraction_to_entities
    from bot.triage.recognition.extractor import shared_extractor

    extractor, today = shared_extractor(), date.today()
    events = [
        {
            "event": "user",
            "timestamp": float(i),
            "text": text,
            "parse_data": {"entities": extraction_to_entities(extractor.extract(text), None, text)},
        }
        for i, text in enumerate(TURNS)
    ]
    kept_us, scratch_us, slots = [], [], {}
    for turn in range(1, len(TURNS) + 1):
        so_far = events[:turn]
        start = time.perf_counter()
        for _ in range(repeats):
            conversation = add_up(so_far, slots, today)
        kept_us.append(1e6 * (time.perf_counter() - start) / repeats)
        start = time.perf_counter()
        for _ in range(repeats):
            add_up(so_far, {}, today)
        scratch_us.append(1e6 * (time.perf_counter() - start) / repeats)
        slots = {STATE_SLOT: conversation.state.as_slot()}
    return {"kept_state_us": kept_us, "from_scratch_us": scratch_us}


def main(argv: List[str]) -> int:
    REPORTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as log_dir:
        action_port, rasa_port = free_port(), free_port()
        action = start_action_server(action_port, Path(log_dir))
        rasa = start_rasa(rasa_port, f"http://localhost:{action_port}/webhook", Path(log_dir))
        base_url = f"http://localhost:{rasa_port}"
        try:
            wait_until_ready({"rasa": lambda: rasa_answers(base_url)}, [action, rasa])
            figures = measure(base_url)
        finally:
            rasa.stop()
            action.stop()
    figures.update(add_up_cost_by_turn())
    (REPORTS / "turn_latency.json").write_text(json.dumps(figures, indent=2))
    rows = "\n".join(
        f"| {i + 1} | {ms:.0f} | {kept:.0f} | {scratch:.0f} |"
        for i, (ms, kept, scratch) in enumerate(
            zip(figures["median_ms_by_turn"], figures["kept_state_us"], figures["from_scratch_us"])
        )
    )
    (REPORTS / "turn_latency.md").write_text(
        f"# Latency by turn index\n\nMedian of {figures['conversations']} conversations of {len(TURNS)} turns, "
        f"one at a time. Turn 20 / turn 3: {figures['turn_20_over_turn_3']:.2f}.\n\n"
        "| turn | median ms (whole turn) | adding up, kept state (µs) | adding up, every turn again (µs) |\n"
        f"|---|---|---|---|\n{rows}\n"
    )
    print((REPORTS / "turn_latency.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
