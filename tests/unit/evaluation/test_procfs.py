"""Peak resident memory of a process tree: /proc parsing on hand-made files, and on the real /proc."""

import os
import signal
import subprocess
import sys
import time

from evaluation.procfs import (
    OtherProcessesCpu,
    PeakMemoryWatch,
    cores_used_by_others,
    descendants,
    machine_busy_ticks,
    parent_pid,
    process_cpu_ticks,
    process_tree,
    status_sizes_kib,
    tree_cpu_ticks,
    tree_memory_bytes,
)

STATUS = """Name:\tpython
State:\tS (sleeping)
PPid:\t1
VmPeak:\t 3577432 kB
VmHWM:\t 1422064 kB
VmRSS:\t 1300000 kB
Threads:\t42
"""


def test_status_sizes_are_read_in_kib_and_other_lines_are_left_out():
    sizes = status_sizes_kib(STATUS)
    assert sizes == {"VmPeak": 3577432, "VmHWM": 1422064, "VmRSS": 1300000}


def test_the_parent_is_found_after_a_command_name_with_spaces_and_parentheses():
    assert parent_pid("1234 (rasa (worker) 1) S 42 1234 1234 0 -1 4194560") == 42
    assert parent_pid("7 (python) R 1 7 7") == 1


def test_descendants_are_children_grandchildren_and_so_on():
    parents = {2: 1, 3: 2, 4: 1, 5: 99, 6: 5, 1: 0}
    assert descendants(1, parents) == {2, 3, 4}
    assert descendants(3, parents) == set()


def _stat_line(pid, parent, user_ticks=0, system_ticks=0, name="python"):
    """A /proc/<pid>/stat line: utime and stime are the 14th and 15th fields."""
    return f"{pid} ({name}) S {parent} {pid} {pid} 0 -1 4194560 100 0 0 0 {user_ticks} {system_ticks} 7 8 20 0 1"


def _fake_process(proc, pid, parent, hwm_kib, user_ticks=0, system_ticks=0, rss_kib=1):
    folder = proc / str(pid)
    folder.mkdir()
    (folder / "stat").write_text(_stat_line(pid, parent, user_ticks, system_ticks))
    (folder / "status").write_text(f"Name:\tpython\nVmHWM:\t {hwm_kib} kB\nVmRSS:\t {rss_kib} kB\n")


def test_the_tree_peak_is_the_sum_of_each_processes_peak(tmp_path):
    proc = tmp_path
    _fake_process(proc, 10, 1, 1000, rss_kib=900)
    _fake_process(proc, 11, 10, 200, rss_kib=100)
    _fake_process(proc, 12, 11, 30, rss_kib=10)
    _fake_process(proc, 13, 1, 99999)  # not in the tree
    (proc / "self").mkdir()
    assert process_tree(10, proc) == [10, 11, 12]
    assert tree_memory_bytes(10, "VmHWM", proc) == (1000 + 200 + 30) * 1024
    assert tree_memory_bytes(10, "VmRSS", proc) == (900 + 100 + 10) * 1024


def test_a_zombie_without_memory_counts_nothing(tmp_path):
    _fake_process(tmp_path, 10, 1, 1000)
    (tmp_path / "11").mkdir()
    (tmp_path / "11" / "stat").write_text("11 (defunct) Z 10 11 11 0")
    (tmp_path / "11" / "status").write_text("Name:\tdefunct\nState:\tZ (zombie)\n")
    assert tree_memory_bytes(10, "VmHWM", tmp_path) == 1000 * 1024


def test_the_watch_keeps_the_peak_of_a_child_that_has_ended(tmp_path):
    _fake_process(tmp_path, 10, 1, 1000, rss_kib=800)
    _fake_process(tmp_path, 11, 10, 500, rss_kib=400)
    watch = PeakMemoryWatch(10, tmp_path)
    watch.sample()
    assert watch.resident_bytes == 1200 * 1024
    for name in ("stat", "status"):
        (tmp_path / "11" / name).unlink()
    (tmp_path / "11").rmdir()
    watch.sample()
    assert watch.peak_bytes == 1500 * 1024
    assert watch.resident_bytes == 800 * 1024


def test_the_real_proc_shows_a_child_and_its_memory():
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline() == "up\n"
        assert child.pid in process_tree(os.getpid())
        assert tree_memory_bytes(os.getpid(), "VmHWM") > tree_memory_bytes(child.pid, "VmHWM") > 1024 * 1024
    finally:
        child.kill()
        child.wait()
        child.stdout.close()


def test_a_processes_cpu_time_is_user_plus_system_ticks_not_its_childrens():
    assert process_cpu_ticks(_stat_line(5, 1, user_ticks=300, system_ticks=45, name="rasa (main) x")) == 345


PROC_STAT = """cpu  100 5 50 9000 30 1 2 3 0 0
cpu0 50 2 25 4500 15 1 1 2 0 0
intr 12345
"""


def test_the_machines_busy_time_leaves_out_idle_and_iowait():
    assert machine_busy_ticks(PROC_STAT) == 100 + 5 + 50 + 1 + 2 + 3


def test_a_trees_cpu_time_adds_up_its_processes(tmp_path):
    _fake_process(tmp_path, 10, 1, 1, user_ticks=100, system_ticks=10)
    _fake_process(tmp_path, 11, 10, 1, user_ticks=20, system_ticks=2)
    _fake_process(tmp_path, 12, 1, 1, user_ticks=5000)
    assert tree_cpu_ticks([10], tmp_path) == 132
    assert tree_cpu_ticks([10, 12], tmp_path) == 5132


def test_cores_used_by_others_is_the_machines_busy_time_less_our_own():
    assert cores_used_by_others(busy_ticks=300, own_ticks=100, seconds=2.0, ticks_per_second=100) == 1.0
    assert cores_used_by_others(busy_ticks=90, own_ticks=100, seconds=2.0, ticks_per_second=100) == 0.0
    assert cores_used_by_others(busy_ticks=90, own_ticks=0, seconds=0.0, ticks_per_second=100) == 0.0


def test_a_busy_neighbour_counts_as_other_unless_it_is_one_of_ours():
    """On the real /proc; relative, so that it holds on a machine that is busy anyway."""
    # Started through a shell that exits at once, so that the neighbour is not our descendant
    # (descendants count as ours).
    launcher = subprocess.run(
        ["sh", "-c", f"'{sys.executable}' -c 'while True: pass' >/dev/null 2>&1 & echo $!"],
        capture_output=True,
        text=True,
        check=True,
    )
    neighbour_pid = int(launcher.stdout.strip())
    try:
        time.sleep(0.3)
        mine = OtherProcessesCpu([os.getpid()])
        mine_and_neighbour = OtherProcessesCpu([os.getpid(), neighbour_pid])
        mine.start()
        mine_and_neighbour.start()
        time.sleep(1.0)
        seen_as_other = mine.stop() - mine_and_neighbour.stop()
        # A spinning neighbour gets a good share of a core, less when the 2 cores are busy anyway.
        assert seen_as_other > 0.1
    finally:
        os.kill(neighbour_pid, signal.SIGKILL)
