"""Issue 16, the tracker: what a turn costs by turn index, before and after the tracker change.

    .venv/bin/python -m evaluation.tracker_profile rest --before DIR [--after DIR] [--conversations 5]
    .venv/bin/python -m evaluation.tracker_profile parts [--conversations 3] [--no-cache]

`rest` serves the project three times as `make run` does, beside one action server, each Rasa on a
SQLite file of its own: from `--before` (a copy of the project before the change, e.g. `git
archive` of its commit with models/ and .venv linked in), and from `--after` (default: this copy)
with the tracker cache off (`cached_events: 0`: every message reads its conversation back, as
Rasa's own SQL store does) and on; and Rasa's floor as `make bench` serves it (models/floor.tar.gz,
`make floor`). It holds 20-turn caregiver conversations (evaluation.turn_latency's) on all four at
once, turn for turn, so that all see the same load on a shared machine, and reports each turn's
round trip.

`parts` loads the agent in this process and splits each turn's time into the tracker store, NLU,
the policies' predictions, the custom actions (an HTTP round trip each, with the whole
conversation in the request) and the rest; it writes a cProfile of one conversation. With the
cache, it then checks after every turn of one more conversation that what the store hands out is
what reading the database gives. Results go to reports/tracker_profile_*.{md,json,prof,txt}
(docs/performance.md, "Issue 16: the tracker").
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import logging
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import requests

from evaluation.floor import FLOOR_PROJECT
from evaluation.procfs import tree_memory_bytes
from evaluation.turn_latency import PAUSE_S, TURNS
from ops import stack
from ops.stack import (
    ENDPOINTS,
    MODEL,
    REPO_ROOT,
    WEBHOOK_PATH,
    free_port,
    http_ok,
    rasa_answers,
    server_env,
    start_action_server,
    wait_until_ready,
)

REPORTS = REPO_ROOT / "reports"
PARTS = ("tracker store", "nlu", "policies", "actions")
STORE_URL_LINE = "  url: ${TRACKER_STORE_URL}\n"


def endpoints_without_cache(tree: Path, folder: Path) -> Path:
    """The endpoints.yml of `tree` with the tracker cache off."""
    text = (tree / "endpoints.yml").read_text()
    if STORE_URL_LINE not in text:
        raise RuntimeError(f"endpoints.yml has no line {STORE_URL_LINE.strip()!r} to add cached_events after")
    path = folder / "endpoints-without-cache.yml"
    path.write_text(text.replace(STORE_URL_LINE, STORE_URL_LINE + "  cached_events: 0\n"))
    return path


def turn_summary(by_turn: Dict[str, List[float]]) -> Dict[str, Any]:
    return {
        "median_ms_by_turn": by_turn,
        "turn_3_ms": by_turn[2],
        "turn_20_ms": by_turn[19],
        "turn_20_over_turn_3": by_turn[19] / by_turn[2],
    }


# ------------------------------------------------------------------------------------ over REST


@contextmanager
def served_from(tree: Path) -> Iterator[None]:
    """ops.stack starts its servers in REPO_ROOT: here, in `tree` (another copy of the project)."""
    saved = stack.REPO_ROOT
    stack.REPO_ROOT = tree
    try:
        yield
    finally:
        stack.REPO_ROOT = saved


def start_served(tree: Path, port: int, action_url: str, folder: Path, endpoints: Path) -> stack.ServerProcess:
    with served_from(tree):
        return stack.start_rasa(
            port,
            action_url,
            folder,
            model=tree / "models" / "triage.tar.gz",
            credentials=tree / "credentials.yml",
            endpoints=endpoints,
        )


def measure_rest(before: Path, after: Path, conversations: int) -> Dict[str, Any]:
    """`before` and `after`: copies of the project without and with the change."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        ports = [free_port()]
        for _ in range(4):
            ports.append(free_port(ports))
        action_url = f"http://localhost:{ports[0]}/webhook"
        with served_from(after):
            action = stack.start_action_server(ports[0], folder)
        servers = {
            "before": start_served(before, ports[1], action_url, folder, before / "endpoints.yml"),
            "cache off": start_served(after, ports[2], action_url, folder, endpoints_without_cache(after, folder)),
            "after": start_served(after, ports[3], action_url, folder, after / "endpoints.yml"),
        }
        with served_from(after):  # Rasa's floor (make bench's), for the same turns as ratios to it
            servers["floor"] = stack.start_rasa(
                ports[4],
                action_url,
                folder,
                model=after / "models" / "floor.tar.gz",
                credentials=after / FLOOR_PROJECT.relative_to(REPO_ROOT) / "credentials.yml",
                endpoints=after / FLOOR_PROJECT.relative_to(REPO_ROOT) / "endpoints.yml",
            )
        urls = {name: f"http://localhost:{port}" for name, port in zip(servers, ports[1:])}
        try:
            wait_until_ready(
                {name: (lambda url=url: rasa_answers(url)) for name, url in urls.items()}, [action, *servers.values()]
            )
            seconds: Dict[str, List[List[float]]] = {name: [] for name in servers}
            for index in range(conversations + 1):  # the first warms every server up
                run: Dict[str, List[float]] = {name: [] for name in servers}
                for text in TURNS:
                    for name, url in urls.items():
                        start = time.perf_counter()
                        answer = requests.post(
                            url + WEBHOOK_PATH, json={"sender": f"tracker-{index}", "message": text}, timeout=60
                        )
                        run[name].append(time.perf_counter() - start)
                        answer.raise_for_status()
                    time.sleep(PAUSE_S)
                if index:
                    for name in servers:
                        seconds[name].append(run[name])
            memory_mb = {
                name: (tree_memory_bytes(server.pid, "VmHWM") / 1e6, tree_memory_bytes(server.pid, "VmRSS") / 1e6)
                for name, server in servers.items()
            }
        finally:
            for server in (*servers.values(), action):
                server.stop()
    return {
        name: {
            **turn_summary([1000 * statistics.median(run[i] for run in runs) for i in range(len(TURNS))]),
            "peak_resident_mb": memory_mb[name][0],
            "resident_mb_at_end": memory_mb[name][1],
        }
        for name, runs in seconds.items()
    }


def rest_report(figures: Dict[str, Any], conversations: int) -> str:
    names = list(figures)
    rows = "\n".join(
        f"| {i + 1} | " + " | ".join(f"{figures[name]['median_ms_by_turn'][i]:.0f}" for name in names) + " |"
        for i in range(len(TURNS))
    )
    ratios = "; ".join(f"{name}: {figures[name]['turn_20_over_turn_3']:.2f}" for name in names)
    floor = figures["floor"]["median_ms_by_turn"]
    to_floor = "; ".join(
        f"{name}: turn 3 {figures[name]['turn_3_ms'] / floor[2]:.2f}, "
        f"turn 20 {figures[name]['turn_20_ms'] / floor[19]:.2f}"
        for name in names
        if name != "floor"
    )
    memory = "; ".join(
        f"{name}: {figures[name]['peak_resident_mb']:.0f} MB peak, "
        f"{figures[name]['resident_mb_at_end']:.0f} MB at the end"
        for name in names
    )
    return (
        "# Latency by turn, before and after the tracker change (over REST)\n\n"
        f"Median of {conversations} conversations of {len(TURNS)} turns, one at a time on each server, "
        "the servers turn for turn: before the change, after it with the tracker cache off "
        "(`cached_events: 0`), and after it; and Rasa's floor (make bench's minimal assistant). "
        f"Turn 20 / turn 3: {ratios}. To the floor's same turn: {to_floor}. Memory of each Rasa: {memory}.\n\n"
        f"| turn | {' | '.join(names)} (ms) |\n|---|{'---|' * len(names)}\n{rows}\n"
    )


# ------------------------------------------------------------------------------------ in process


class PartTimer:
    """Seconds spent in each part of the current turn, and how many calls, by wrapping the methods
    that do it. A part `within` another is counted in both (not again in "other")."""

    def __init__(self) -> None:
        self.seconds: Dict[str, float] = defaultdict(float)
        self.calls: Dict[str, int] = defaultdict(int)
        self.within: Dict[str, str] = {}

    def wrap(self, owner: Any, name: str, part: str, within: str = "") -> None:
        original: Callable = getattr(owner, name)
        timer = self
        if within:
            self.within[part] = within

        def count(start: float) -> None:
            timer.seconds[part] += time.perf_counter() - start
            timer.calls[part] += 1

        if asyncio.iscoroutinefunction(original):

            async def timed(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    count(start)

        else:

            def timed(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
                start = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    count(start)

        setattr(owner, name, timed)

    @contextmanager
    def turn(self) -> Iterator[Dict[str, float]]:
        self.seconds.clear()
        self.calls.clear()
        parts: Dict[str, float] = {}
        start = time.perf_counter()
        yield parts
        parts["total"] = time.perf_counter() - start
        parts.update(self.seconds)
        parts.update({f"{part} calls": calls for part, calls in self.calls.items()})
        parts["other"] = parts["total"] - sum(s for part, s in self.seconds.items() if part not in self.within)


async def load_served_agent(endpoints: Path) -> Any:
    """The agent `rasa run` would serve, with the project's patches (as its channels install them)."""
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    from bot.server.patches import install_agent_patches, install_process_patches

    configure_logging_and_warnings(logging.INFO)  # as `rasa run` logs: not at DEBUG
    configure_structlog(logging.INFO)
    install_process_patches()
    agent = await load_agent(str(MODEL), endpoints=AvailableEndpoints.read_endpoints(str(endpoints)))
    install_agent_patches(agent)
    return agent


def instrument(agent: Any) -> PartTimer:
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.domain import Domain

    from bot.server.stores.tracker_store import inner_tracker_store

    timer = PartTimer()
    store = inner_tracker_store(agent)
    for name in ("retrieve", "save"):
        timer.wrap(store, name, "tracker store")
    timer.wrap(agent.processor, "parse_message", "nlu")
    timer.wrap(agent.processor, "_predict_next_with_tracker", "policies")
    timer.wrap(Domain, "states_for_tracker_history", "states", within="policies")
    timer.wrap(RemoteAction, "run", "actions")
    return timer


def tracker_state(tracker: Any) -> Dict[str, Any]:
    """Everything a tracker says about the conversation."""
    from rasa.shared.core.trackers import EventVerbosity

    return {
        **tracker.current_state(EventVerbosity.ALL),
        "active_loop": tracker.active_loop,
        "slots": {name: (slot.value, slot.has_been_set) for name, slot in tracker.slots.items()},
        "applied": [event.as_dict() for event in tracker.applied_events()],
    }


async def profile(
    endpoints: Path, conversations: int, out: Path, check_reads: bool
) -> Tuple[List[List[dict]], Optional[Dict[str, Any]]]:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from bot.server.stores.tracker_store import StrictSQLTrackerStore, inner_tracker_store

    agent = await load_served_agent(endpoints)
    timer = instrument(agent)

    async def turn(sender: str, text: str) -> Dict[str, float]:
        with timer.turn() as parts:
            await agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender))
        return parts

    for text in TURNS:  # warm-up: every code path loaded once
        await turn("warm-up", text)
    runs = []
    for index in range(conversations):
        profiler = cProfile.Profile() if index == 0 else None
        run = []
        for text in TURNS:
            if profiler:
                profiler.enable()
            run.append(await turn(f"tracker-profile-{index}", text))
            if profiler:
                profiler.disable()
        if profiler:
            profiler.dump_stats(str(out.with_suffix(".prof")))
            listing = io.StringIO()
            pstats.Stats(profiler, stream=listing).sort_stats("cumulative").print_stats(80)
            out.with_suffix(".txt").write_text(listing.getvalue())
        runs.append(run)

    store = inner_tracker_store(agent)
    if check_reads and store.cache is not None:
        fresh = StrictSQLTrackerStore(store.domain, host=str(store.engine.url), cached_events=0)
        for text in TURNS:
            await turn("checked", text)
            handed_out, read = await store.retrieve("checked"), await fresh.retrieve("checked")
            if tracker_state(handed_out) != tracker_state(read):
                raise AssertionError(f"After {text!r} the cached tracker differs from the database's.")
        print(f"Checked: after each of the {len(TURNS)} turns the cache gave what the database gives.")
        stored = await fresh.retrieve_full_tracker("checked")
        return runs, await store_by_turn(store.domain, [e.as_dict() for e in stored.events], out.parent)
    return runs, None


def turns_of(events: List[dict]) -> List[List[dict]]:
    """The events each turn adds (a turn starts at its user message; the first has the session start too)."""
    starts = [i for i, event in enumerate(events) if event["event"] == "user"]
    bounds = [0, *starts[1:], len(events)]
    return [events[a:b] for a, b in zip(bounds, bounds[1:])]


async def store_by_turn(domain: Any, events: List[dict], folder: Path, repeats: int = 5) -> Dict[str, Any]:
    """The tracker store alone, turn by turn as the processor uses it (read, add the turn's events,
    save), with the cache and with Rasa's own reading, on files of their own, turn for turn."""
    from rasa.shared.core.events import deserialise_events

    from bot.server.stores.tracker_cache import DEFAULT_CACHED_EVENTS
    from bot.server.stores.tracker_store import StrictSQLTrackerStore

    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        stores = {
            name: StrictSQLTrackerStore(domain, host=f"sqlite:///{scratch}/{name}.db", cached_events=cached)
            for name, cached in (("rasa", 0), ("cache", DEFAULT_CACHED_EVENTS))
        }
        seconds: Dict[str, List[List[Tuple[float, float]]]] = {name: [] for name in stores}
        for repeat in range(repeats + 1):  # the first warms up
            run: Dict[str, List[Tuple[float, float]]] = {name: [] for name in stores}
            for turn_events in turns_of(events):
                for name, store in stores.items():
                    start = time.perf_counter()
                    tracker = await store.get_or_create_tracker(f"stored-{repeat}", append_action_listen=False)
                    read = time.perf_counter()
                    for event in deserialise_events(turn_events):
                        tracker.update(event)
                    added = time.perf_counter()
                    await store.save(tracker)
                    run[name].append((read - start, time.perf_counter() - added))
            if repeat:
                for name in stores:
                    seconds[name].append(run[name])
    turns = len(turns_of(events))
    return {
        name: {
            f"{part}_ms_by_turn": [1000 * statistics.median(r[i][k] for r in runs) for i in range(turns)]
            for k, part in enumerate(("read", "save"))
        }
        for name, runs in seconds.items()
    }


def parts_report(runs: List[List[dict]], label: str) -> Dict[str, Any]:
    columns = ("total", *PARTS, "other", "states", "policies calls", "actions calls")
    medians = [
        {
            part: statistics.median(run[i].get(part, 0.0) for run in runs) * (1 if "calls" in part else 1000)
            for part in columns
        }
        for i in range(len(TURNS))
    ]
    rows = "\n".join(
        f"| {i + 1} | " + " | ".join(f"{turn[c]:.{0 if 'calls' in c else 1}f}" for c in columns) + " |"
        for i, turn in enumerate(medians)
    )
    headers = [*columns[:-3], "of which: the policies' states", "predictions", "custom actions"]
    text = (
        f"# Where a turn's time goes, by turn ({label})\n\n"
        f"In-process agent, median of {len(runs)} conversations of {len(TURNS)} turns, one at a time, in ms. "
        f"Turn 20 / turn 3: {medians[19]['total'] / medians[2]['total']:.2f}.\n\n"
        f"| turn | {' | '.join(headers)} |\n|{'---|' * (len(columns) + 1)}\n{rows}\n"
    )
    return {"label": label, "medians": medians, "markdown": text}


def store_report(figures: Dict[str, Any]) -> str:
    names = list(figures)
    turns = len(figures[names[0]]["read_ms_by_turn"])
    rows = "\n".join(
        f"| {i + 1} | "
        + " | ".join(
            f"{figures[name]['read_ms_by_turn'][i]:.2f} | {figures[name]['save_ms_by_turn'][i]:.2f}" for name in names
        )
        + " |"
        for i in range(turns)
    )
    headers = " | ".join(f"{name}: read | {name}: save" for name in names)
    return (
        "\n## The tracker store alone, by turn\n\n"
        "The checked conversation's events, turn by turn (read, add the turn's events, save), median of 5, in ms.\n\n"
        f"| turn | {headers} |\n|{'---|' * (2 * len(names) + 1)}\n{rows}\n"
    )


def measure_parts(conversations: int, cache: bool) -> Dict[str, Any]:
    label = "with cache" if cache else "without cache"
    out = REPORTS / f"tracker_profile_parts_{label.replace(' ', '_')}"
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        action_port = free_port()
        action_url = f"http://localhost:{action_port}/webhook"
        os.environ.update(server_env(action_url, tracker_store_url=f"sqlite:///{folder / 'conversations.db'}"))
        endpoints = ENDPOINTS if cache else endpoints_without_cache(REPO_ROOT, folder)
        action = start_action_server(action_port, folder)
        try:
            wait_until_ready({"actions": lambda: http_ok(f"http://localhost:{action_port}/health")}, [action])
            runs, store_figures = asyncio.run(profile(endpoints, conversations, out, check_reads=cache))
        finally:
            action.stop()
    figures = parts_report(runs, label)
    text = figures.pop("markdown")
    if store_figures:
        figures["store_by_turn"] = store_figures
        text += store_report(store_figures)
    out.with_suffix(".md").write_text(text)
    out.with_suffix(".json").write_text(json.dumps(figures, indent=2))
    return figures


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("rest", "parts"))
    parser.add_argument("--conversations", type=int, default=5)
    parser.add_argument("--no-cache", action="store_true", help="parts: with the tracker cache off")
    parser.add_argument("--before", type=Path, help="rest: a copy of the project before the change (with models/)")
    parser.add_argument("--after", type=Path, default=REPO_ROOT, help="rest: a copy after it (default: this one)")
    arguments = parser.parse_args(argv)
    REPORTS.mkdir(exist_ok=True)
    if arguments.mode == "rest":
        if arguments.before is None:
            parser.error("rest needs --before")
        figures = measure_rest(arguments.before.resolve(), arguments.after.resolve(), arguments.conversations)
        (REPORTS / "tracker_profile_rest.json").write_text(json.dumps(figures, indent=2))
        text = rest_report(figures, arguments.conversations)
        (REPORTS / "tracker_profile_rest.md").write_text(text)
    else:
        measure_parts(arguments.conversations, cache=not arguments.no_cache)
        label = "without_cache" if arguments.no_cache else "with_cache"
        text = (REPORTS / f"tracker_profile_parts_{label}.md").read_text()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
