"""What the Dagster instance knows about runs, and the reaper of runs whose process died.

A run whose process is killed (SIGKILL, out of memory, a laptop lid) stays STARTED and keeps
its `duckdb` pool slot for good, so every later run waits forever for the slot, unless
something outside the run notices. Under the daemon, run monitoring (instance_dagster.yaml)
frees the slots of runs that ended. A run executed in a process of its own (`dagster job
execute`, `execute_in_process`, `dq-pipelines`) has no daemon watching it: `reap_dead_runs`
finds it from the pids its engine events name, on this host, and marks it failed.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import dagster as dg

from dq_pipelines import dagster_private

# A process started this long after the run logged its pid cannot be the run's: the pid was
# reused. The margin absorbs a wall-clock correction between the two readings (the run's event
# is stamped by the wall clock, the process start by boot time), so a live worker is never
# mistaken for a reused pid; a pid reused within the margin delays reaping until it exits.
PID_REUSE_MARGIN_SECONDS = 60.0


def run_is_over(instance: dg.DagsterInstance) -> Callable[[str], bool]:
    """True for a run the instance knows and that has finished (succeeded, failed, canceled).

    A run the instance does not know is not called over: its tables may belong to a run of
    another instance sharing the warehouse.
    """

    def is_over(run_id: str) -> bool:
        run = instance.get_run_by_id(run_id)
        return run is not None and run.is_finished

    return is_over


@dataclass(frozen=True)
class Process:
    """A live process; `started_at` (epoch seconds) is None where the OS does not say."""

    started_at: float | None


ProcessLookup = Callable[[int], Process | None]


@cache
def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise RuntimeError("/proc/stat has no btime line")


def find_process(pid: int) -> Process | None:
    """The live process with this pid, or None (a zombie, dead but not yet waited for, is None).

    On Linux its start time comes from /proc/<pid>/stat (field 22, clock ticks after boot);
    elsewhere only whether it exists, from `os.kill(pid, 0)`.
    """
    if Path("/proc/self/stat").exists():
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            return None
        fields = stat.rpartition(")")[2].split()  # the command name may hold spaces
        if fields[0] in ("Z", "X"):
            return None
        return Process(_boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK"))
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # it exists, owned by another user
        pass
    return Process(None)


def process_is_alive(pid: int, seen_at: float, lookup: ProcessLookup = find_process) -> bool:
    """Is the process that logged `pid` at `seen_at` still running?

    A live process with that pid which started after it was logged is another process reusing
    the pid: the logged one is gone. Without a start time it is assumed to be the same one.
    """
    process = lookup(pid)
    if process is None:
        return False
    if process.started_at is None:
        return True
    return process.started_at <= seen_at + PID_REUSE_MARGIN_SECONDS


@dataclass(frozen=True)
class ReapedRun:
    run_id: str
    job_name: str
    pids: tuple[int, ...]


def reap_dead_runs(
    instance: dg.DagsterInstance, lookup: ProcessLookup = find_process
) -> list[ReapedRun]:
    """Mark failed every STARTED run all of whose processes are gone, and free its slots.

    Never a run with a live process, nor one that logged no pid (it may be starting), nor any
    run of an instance that may span several hosts (its pids may be another host's).
    """
    if not dagster_private.storage_is_local(instance):
        return []
    reaped = []
    started = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    for run in started:
        records = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT
        ).records
        workers = dagster_private.worker_pids(records)
        if not workers or any(process_is_alive(pid, at, lookup) for pid, at in workers):
            continue
        current = instance.get_run_by_id(run.run_id)  # it may have ended meanwhile
        if current is None or current.status != dg.DagsterRunStatus.STARTED:
            continue
        pids = tuple(sorted({pid for pid, _ in workers}))
        dagster_private.mark_failed(
            instance,
            current,
            f"The run's process (pid {', '.join(map(str, pids))}) is gone: killed or out of "
            "memory. Marked failed and its concurrency slots freed by dq_pipelines.",
        )
        reaped.append(ReapedRun(run.run_id, run.job_name, pids))
    free_slots_of_finished_runs(instance)
    return reaped


def free_slots_of_finished_runs(instance: dg.DagsterInstance) -> list[str]:
    """Free the pool slots still held by runs that are over (or deleted); returns their ids.

    Marking a run failed does not free its slots; without the daemon's
    `free_slots_after_run_end_seconds` nothing else would. A live run's slots are never freed.
    """
    freed = []
    for run_id in sorted(dagster_private.runs_holding_slots(instance)):
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            dagster_private.free_slots(instance, run_id)
            freed.append(run_id)
    return freed
