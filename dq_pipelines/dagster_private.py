"""The one module that uses Dagster's private API (`dagster._core`): for runs whose process died,
and for the check executions and freshness states the alert sensor reads.

Dagster 1.13 offers no public way to mark a run failed from outside it, to free the pool slots
a run holds, to list the runs holding slots, or to read why a run failed: its daemon's run
monitoring does these, but only for launched runs and only under the daemon. A run executed in
a process of its own (`dagster job execute`, `execute_in_process`, `dq-pipelines`) has no one
else to do them. Nor does it export the types of check-execution records and freshness states
(`AssetCheckExecutionRecord`, `FreshnessState`, `FreshnessStateRecord`), or a way to page
through one check's executions by id (the instance gives only the latest one). Every private
name and call is here, so a Dagster upgrade that changes them breaks this module alone, and
tests/unit/test_dagster_private_api.py fails first.
"""

from collections.abc import Iterable, Sequence

import dagster as dg
from dagster._core.definitions.freshness import FreshnessState, FreshnessStateRecord
from dagster._core.events import JobFailureData, RunFailureReason
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)
from dagster._core.storage.runs import InMemoryRunStorage, SqliteRunStorage

__all__ = ["AssetCheckExecutionRecord", "FreshnessStateRecord"]  # types, for annotations

# Why Dagster says a run failed when its process stopped without finishing it. A run failed
# from outside with no reason at all (run monitoring, the code server's watcher, the UI) died
# too: a run that ends by itself always records one (STEP_FAILURE, RUN_EXCEPTION, ...).
DIED = frozenset(
    {
        RunFailureReason.UNEXPECTED_TERMINATION,
        RunFailureReason.RUN_WORKER_RESTART,
        RunFailureReason.START_TIMEOUT,
    }
)


def storage_is_local(instance: dg.DagsterInstance) -> bool:
    """Are the instance's runs all on this machine? True for SQLite and in-memory storage.

    A pid names a process only on the host (and pid namespace) that logged it; an instance
    kept in Postgres or MySQL may hold runs of other hosts, whose pids mean nothing here.
    """
    return isinstance(instance.run_storage, SqliteRunStorage | InMemoryRunStorage)


def mark_failed(instance: dg.DagsterInstance, run: dg.DagsterRun, message: str) -> None:
    """Record the run as failed because its process stopped (a RUN_FAILURE event)."""
    instance.report_run_failed(
        run,
        message=message,
        job_failure_data=JobFailureData(
            error=None, failure_reason=RunFailureReason.UNEXPECTED_TERMINATION
        ),
    )


def runs_holding_slots(instance: dg.DagsterInstance) -> set[str]:
    """Ids of the runs holding, or waiting for, a concurrency-pool slot."""
    return instance.event_log_storage.get_concurrency_run_ids()


def free_slots(instance: dg.DagsterInstance, run_id: str) -> None:
    """Give back the run's pool slots and drop its waiting steps (then others may claim them)."""
    instance.event_log_storage.free_concurrency_slots_for_run(run_id)


def died(failure: dg.DagsterEvent) -> bool:
    """Does this RUN_FAILURE say the run's process stopped, rather than the run failing?"""
    data = failure.job_failure_data
    return data is None or data.failure_reason is None or data.failure_reason in DIED


def worker_pids(records: Iterable[dg.EventLogRecord]) -> list[tuple[int, float]]:
    """(pid, when it was logged) of every process a run's engine events say executed it.

    The run worker logs "Started process for run (pid: N)" and executors "Executing steps in
    process (pid: N)"; a multiprocess executor also logs each step's subprocess.
    """
    found = []
    for record in records:
        event = record.event_log_entry.dagster_event
        if event is None or event.event_type != dg.DagsterEventType.ENGINE_EVENT:
            continue
        pid = event.engine_event_data.metadata.get("pid")
        if pid is not None and str(pid.value).isdigit():
            found.append((int(pid.value), record.timestamp))
    return found


def check_executions(
    instance: dg.DagsterInstance, key: dg.AssetCheckKey, limit: int, before: int | None = None
) -> Sequence[AssetCheckExecutionRecord]:
    """Executions of one check, newest first, with ids below `before` if given.

    A record gets its id (global, unlike event ids on SQLite) when the check is planned and is
    updated in place when it completes.
    """
    return instance.event_log_storage.get_asset_check_execution_history(
        key, limit=limit, cursor=before
    )


def newest_execution_ids(
    instance: dg.DagsterInstance, keys: Sequence[dg.AssetCheckKey]
) -> dict[dg.AssetCheckKey, int]:
    """The id of each check's newest execution record, in one query; a check never planned
    is absent."""
    newest = instance.event_log_storage.get_latest_asset_check_execution_by_key(list(keys))
    return {key: record.id for key, record in newest.items()}


def is_planned(record: AssetCheckExecutionRecord) -> bool:
    """Planned and not completed (yet: it never completes if its run ended without it)."""
    return record.status == AssetCheckExecutionRecordStatus.PLANNED


def freshness_failing(record: FreshnessStateRecord) -> bool:
    """Is the asset's freshness policy failing?"""
    return record.freshness_state == FreshnessState.FAIL


def freshness_passing(record: FreshnessStateRecord) -> bool:
    """Is the policy passing or warning (not failing, and evaluated: UNKNOWN is no news)?"""
    return record.freshness_state in (FreshnessState.PASS, FreshnessState.WARN)
