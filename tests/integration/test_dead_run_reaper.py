"""The reaper's decisions (issue 8 finding 1): a run whose processes are all gone is marked
failed and its pool slot freed; a run with a live process, or whose pid now names another
process, is judged by the process that logged it."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import dagster as dg
import pytest
from dagster._core.events import DagsterEvent, EngineEventData
from dagster._core.events.log import EventLogEntry
from dagster._core.test_utils import create_run_for_test

from dq_pipelines import dagster_private
from dq_pipelines.runs.reaper import find_process, process_is_alive, reap_dead_runs

POOL = {"concurrency": {"pools": {"default_limit": 1}}}


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test(overrides=POOL) as inst:
        # What the executor does before its first claim in the pool.
        inst.event_log_storage.initialize_concurrency_limit_to_default("duckdb")
        yield inst


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen]:
    """A live process that is not this one."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _started_run(instance: dg.DagsterInstance, pid: int | None, logged_at: float | None = None):
    """A STARTED run holding the duckdb slot, whose engine event names `pid`, as execute_in_process
    logs it ("Executing steps in process (pid: N)")."""
    run = create_run_for_test(instance, job_name="ingest_job", status=dg.DagsterRunStatus.STARTED)
    if pid is not None:
        event = DagsterEvent(
            dg.DagsterEventType.ENGINE_EVENT.value,
            job_name=run.job_name,
            message=f"Executing steps in process (pid: {pid})",
            event_specific_data=EngineEventData.in_process(pid),
        )
        instance.store_event(
            EventLogEntry(
                error_info=None,
                level="DEBUG",
                user_message=event.message or "",
                run_id=run.run_id,
                timestamp=logged_at or time.time(),
                dagster_event=event,
            )
        )
    instance.event_log_storage.claim_concurrency_slot("duckdb", run.run_id, "raw_catalog")
    return run


def _status(instance, run) -> dg.DagsterRunStatus:
    return instance.get_run_by_id(run.run_id).status


def test_run_whose_process_is_gone_is_failed_and_its_slot_freed(instance):
    dead = _started_run(instance, _dead_pid())
    blocked = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED)
    storage = instance.event_log_storage
    assert not storage.claim_concurrency_slot("duckdb", blocked.run_id, "s").is_claimed
    reaped = reap_dead_runs(instance)
    assert [r.run_id for r in reaped] == [dead.run_id]
    assert _status(instance, dead) == dg.DagsterRunStatus.FAILURE
    run = instance.get_run_by_id(dead.run_id)
    assert run.tags["dagster/failure_reason"] == "UNEXPECTED_TERMINATION"
    assert dead.run_id not in dagster_private.runs_holding_slots(instance)
    assert storage.claim_concurrency_slot("duckdb", blocked.run_id, "s").is_claimed
    assert reap_dead_runs(instance) == []  # once


def test_run_with_a_live_process_is_never_reaped(instance, sleeper):
    live = _started_run(instance, sleeper.pid)
    also_live = _started_run(instance, _dead_pid())  # a step subprocess gone, the worker alive
    instance.report_engine_event(
        "Started process for run", also_live, EngineEventData.in_process(sleeper.pid)
    )
    assert reap_dead_runs(instance) == []
    assert _status(instance, live) == dg.DagsterRunStatus.STARTED
    assert {live.run_id, also_live.run_id} <= dagster_private.runs_holding_slots(instance)


def test_pid_reused_by_another_process_does_not_keep_a_dead_run_alive(instance, sleeper):
    """The logged worker died an hour ago; its pid now names a process started after that,
    so `os.kill(pid, 0)` alone would call the run alive forever."""
    reused = _started_run(instance, sleeper.pid, logged_at=time.time() - 3600)
    assert [r.run_id for r in reap_dead_runs(instance)] == [reused.run_id]
    assert sleeper.poll() is None  # the other process is left alone


def test_run_without_a_logged_pid_or_on_shared_storage_is_never_reaped(instance, monkeypatch):
    starting = _started_run(instance, None)
    assert reap_dead_runs(instance) == []
    dead = _started_run(instance, _dead_pid())
    monkeypatch.setattr(dagster_private, "storage_is_local", lambda _: False)
    assert reap_dead_runs(instance) == []
    assert _status(instance, starting) == _status(instance, dead) == dg.DagsterRunStatus.STARTED


def test_slots_of_runs_that_ended_are_freed_and_of_live_ones_kept(instance, sleeper):
    """Marking a run failed (by hand, or a sensor) does not free its slot in Dagster 1.13."""
    ended = _started_run(instance, sleeper.pid)
    instance.report_run_failed(instance.get_run_by_id(ended.run_id), "failed by hand")
    assert ended.run_id in dagster_private.runs_holding_slots(instance)
    reap_dead_runs(instance)
    assert ended.run_id not in dagster_private.runs_holding_slots(instance)


def test_find_process_reads_start_time_and_zombies():
    me = find_process(os.getpid())
    assert me is not None and (me.started_at is None or me.started_at <= time.time())
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while find_process(zombie.pid) is not None and time.monotonic() < deadline:
        time.sleep(0.05)  # exited, not yet waited for: a zombie
    assert find_process(zombie.pid) is None
    zombie.wait()
    assert not process_is_alive(zombie.pid, time.time())
