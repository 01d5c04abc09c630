"""Reading check executions from the Dagster instance, incrementally, without missing any.

Executions are read from the instance's asset-check table, whose ids are global (event
storage ids are per run on the default SQLite storage). A record gets its id when the check is
planned and is updated in place when it completes, so the cursor never moves past a record that
is still in progress: a slow run's failure is read when it lands, not skipped.
"""

from dataclasses import dataclass

import dagster as dg
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)

PAGE = 100


@dataclass(frozen=True)
class CheckExecutionBatch:
    completed: list[AssetCheckExecutionRecord]  # oldest first
    cursor: int | None


def _history_after(
    instance: dg.DagsterInstance, key: dg.AssetCheckKey, after: int | None
) -> list[AssetCheckExecutionRecord]:
    records, before = [], None
    while True:
        page = instance.event_log_storage.get_asset_check_execution_history(
            key, limit=PAGE, cursor=before
        )
        fresh = [r for r in page if after is None or r.id > after]
        records += fresh
        if len(page) < PAGE or len(fresh) < len(page):
            return records
        before = page[-1].id


def _settled(instance: dg.DagsterInstance, record: AssetCheckExecutionRecord) -> bool:
    if record.status != AssetCheckExecutionRecordStatus.PLANNED:
        return True
    run = instance.get_run_by_id(record.run_id)
    return run is None or run.is_finished  # planned in a finished run: it will never execute


def completed_executions_after(
    instance: dg.DagsterInstance, keys: list[dg.AssetCheckKey], after: int | None
) -> CheckExecutionBatch:
    """Executions with id > after that have completed, and the cursor to read from next."""
    records = sorted(
        (r for k in keys for r in _history_after(instance, k, after)), key=lambda r: r.id
    )
    unsettled = [r.id for r in records if not _settled(instance, r)]
    limit = min(unsettled) if unsettled else None
    completed = [
        r
        for r in records
        if (limit is None or r.id < limit)
        and r.event is not None
        and r.event.dagster_event is not None
        and r.event.dagster_event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ]
    if limit is not None:
        cursor = limit - 1 if after is None or limit - 1 > after else after
    else:
        cursor = records[-1].id if records else after
    return CheckExecutionBatch(completed, cursor)
