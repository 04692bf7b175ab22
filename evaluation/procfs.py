"""What Linux's /proc says about the servers: their peak memory, and how much of the CPU other
processes took meanwhile (the machine may be shared, and that would skew the figures).

No dependency: /proc/<pid>/status has each process's peak resident set (VmHWM) and current one
(VmRSS); /proc/<pid>/stat its parent, which gives the process tree, and its CPU time; /proc/stat
the CPU time of the whole machine.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set

PROC = Path("/proc")
KIB = 1024
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
# /proc/stat's "cpu" columns that are not idle time: user nice system idle iowait irq softirq steal.
BUSY_COLUMNS = (0, 1, 2, 5, 6, 7)


def status_sizes_kib(status_text: str) -> Dict[str, int]:
    """The sizes in /proc/<pid>/status ("VmHWM:\\t  123 kB" -> {"VmHWM": 123}), in KiB."""
    sizes = {}
    for line in status_text.splitlines():
        name, _, value = line.partition(":")
        parts = value.split()
        if len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
            sizes[name] = int(parts[0])
    return sizes


def _fields_after_name(stat_text: str) -> List[str]:
    """/proc/<pid>/stat's fields from the state on. The command name before them is in parentheses
    and may itself hold spaces and parentheses, so they are counted from the last ")"."""
    return stat_text[stat_text.rindex(")") + 1 :].split()


def parent_pid(stat_text: str) -> int:
    """The parent's pid in /proc/<pid>/stat."""
    return int(_fields_after_name(stat_text)[1])


def process_cpu_ticks(stat_text: str) -> int:
    """The CPU time a process has used (user + system), in clock ticks, from /proc/<pid>/stat."""
    fields = _fields_after_name(stat_text)
    return int(fields[11]) + int(fields[12])


def machine_busy_ticks(proc_stat_text: str) -> int:
    """The CPU time all cores have spent on anything but idling, in clock ticks, from /proc/stat."""
    for line in proc_stat_text.splitlines():
        name, *columns = line.split()
        if name == "cpu":
            return sum(int(columns[i]) for i in BUSY_COLUMNS if i < len(columns))
    raise ValueError("no cpu line in /proc/stat")


def descendants(root: int, parents: Mapping[int, int]) -> Set[int]:
    """Every process whose chain of parents leads to `root` (not `root` itself)."""
    children: Dict[int, List[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found: Set[int] = set()
    waiting = list(children.get(root, []))
    while waiting:
        pid = waiting.pop()
        if pid not in found:
            found.add(pid)
            waiting.extend(children.get(pid, []))
    return found


def _read(path: Path) -> Optional[str]:
    """A /proc file's text, or None when the process has gone meanwhile."""
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None


def _numeric_dirs(proc: Path) -> Iterable[int]:
    return (int(entry.name) for entry in proc.iterdir() if entry.name.isdigit())


def process_tree(root: int, proc: Path = PROC) -> List[int]:
    """`root` and every process under it, as they are now."""
    parents = {}
    for pid in _numeric_dirs(proc):
        stat = _read(proc / str(pid) / "stat")
        if stat:
            parents[pid] = parent_pid(stat)
    return [root, *sorted(descendants(root, parents))]


def tree_memory_bytes(root: int, size: str, proc: Path = PROC) -> int:
    """The sum of one /proc/<pid>/status size (VmHWM: peak resident set, VmRSS: resident set now)
    over the tree under `root`. For VmHWM an upper bound of the tree's peak: each process's own peak
    counts, even if they did not coincide. A process without memory of its own (a zombie) counts 0."""
    total_kib = 0
    for pid in process_tree(root, proc):
        status = _read(proc / str(pid) / "status")
        if status:
            total_kib += status_sizes_kib(status).get(size, 0)
    return total_kib * KIB


class PeakMemoryWatch:
    """The highest peak resident memory (VmHWM) of a tree seen over repeated samples, so that a child
    that ends before the last sample still counts; and the resident memory (VmRSS) at the last one."""

    def __init__(self, root: int, proc: Path = PROC) -> None:
        self.root = root
        self.proc = proc
        self.peak_bytes = 0
        self.resident_bytes = 0

    def sample(self) -> None:
        if (self.proc / str(self.root)).exists():
            self.peak_bytes = max(self.peak_bytes, tree_memory_bytes(self.root, "VmHWM", self.proc))
            self.resident_bytes = tree_memory_bytes(self.root, "VmRSS", self.proc)


def tree_cpu_ticks(roots: Iterable[int], proc: Path = PROC) -> int:
    """The CPU time used so far by the trees under `roots`, in clock ticks."""
    total = 0
    for root in roots:
        for pid in process_tree(root, proc):
            stat = _read(proc / str(pid) / "stat")
            if stat:
                total += process_cpu_ticks(stat)
    return total


def cores_used_by_others(
    busy_ticks: int, own_ticks: int, seconds: float, ticks_per_second: int = TICKS_PER_SECOND
) -> float:
    """How many cores, on average, processes other than our own kept busy over `seconds`."""
    if seconds <= 0:
        return 0.0
    return max(0, busy_ticks - own_ticks) / ticks_per_second / seconds


class OtherProcessesCpu:
    """Measures how many cores other processes took between `start()` and `stop()`: the benchmark
    should have the machine to itself, and a busy neighbour shows up here."""

    def __init__(self, own_roots: Sequence[int], proc: Path = PROC) -> None:
        self.own_roots = list(own_roots)
        self.proc = proc
        self._started = (0.0, 0, 0)

    def _now(self) -> tuple:
        busy = machine_busy_ticks((self.proc / "stat").read_text())
        return time.monotonic(), busy, tree_cpu_ticks(self.own_roots, self.proc)

    def start(self) -> None:
        self._started = self._now()

    def stop(self) -> float:
        (started, busy_before, own_before), (ended, busy_after, own_after) = self._started, self._now()
        return cores_used_by_others(busy_after - busy_before, own_after - own_before, ended - started)
