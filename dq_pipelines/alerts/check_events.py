"""Reading check executions from the Dagster instance, incrementally, without missing any.

Executions are read from the instance's asset-check table (through dagster_private.py: Dagster
1.13 has no public API for it), whose ids are global (event storage ids are per run on the
default SQLite storage). A record gets its id when the check is
planned and is updated in place when it completes, so a record still in progress (PLANNED in a
run that has not finished) holds the cursor: executions are read in order, and a slow run's
failure is read when it lands, not skipped.

It holds the cursor for a bounded time only (`hold_seconds`, counted from when it was planned):
a run that died without being marked failed would otherwise silence every later failure. After
that the cursor moves on and the execution is kept in the cursor as pending; it is read when it
completes, and dropped when its run ends without executing it (or the run is deleted).

The cursor is JSON, `{"after": <id read up to>, "pending": [[id, "asset/key:check"], ...]}`;
a plain integer (the cursor of earlier versions) is read as `after`.
"""

import json
import time
from dataclasses import dataclass, field

import dagster as dg

from dq_pipelines.dagster_private import (
    AssetCheckExecutionRecord,
    check_executions,
    is_planned,
    newest_execution_ids,
)

PAGE = 100


@dataclass(frozen=True)
class AlertCursor:
    """Executions read up to `after`, except `pending` ones, which are still to be read."""

    after: int | None = None
    pending: tuple[tuple[int, dg.AssetCheckKey], ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> "AlertCursor":
        if not text:
            return cls()
        if text.strip().isdigit():
            return cls(int(text))
        data = json.loads(text)
        pending = tuple(
            (int(id_), dg.AssetCheckKey.from_user_string(key)) for id_, key in data["pending"]
        )
        return cls(data["after"], pending)

    def serialize(self) -> str:
        pending = [[id_, key.to_user_string()] for id_, key in self.pending]
        return json.dumps({"after": self.after, "pending": pending})


@dataclass(frozen=True)
class CheckExecutionBatch:
    """Completed executions to alert on, oldest first (pending ones that completed come
    first), and the cursor to save once some of them have been handled."""

    completed: list[AssetCheckExecutionRecord]
    still_pending: tuple[tuple[int, dg.AssetCheckKey], ...] = ()
    newly_pending: tuple[tuple[int, dg.AssetCheckKey], ...] = ()
    scanned_to: int | None = None  # every new record up to here was read or is pending
    late: frozenset[int] = field(default_factory=frozenset)  # ids of completed pending ones

    @property
    def cursor(self) -> AlertCursor:
        """The cursor once every completed execution has been handled."""
        return self.cursor_after(len(self.completed))

    def cursor_after(self, handled: int) -> AlertCursor:
        """The cursor once the first `handled` completed executions have been handled: the
        rest are read again next time (a pending one stays pending)."""
        left = self.completed[handled:]
        unread = [r.id for r in left if r.id not in self.late]
        after = min(unread) - 1 if unread else self.scanned_to
        pending = [
            *self.still_pending,
            *((r.id, r.key) for r in left if r.id in self.late),
            *(p for p in self.newly_pending if after is not None and p[0] <= after),
        ]
        return AlertCursor(after, tuple(sorted(pending, key=lambda p: p[0])))


def _history_after(
    instance: dg.DagsterInstance, key: dg.AssetCheckKey, after: int | None
) -> list[AssetCheckExecutionRecord]:
    records, before = [], None
    while True:
        page = check_executions(instance, key, limit=PAGE, before=before)
        fresh = [r for r in page if after is None or r.id > after]
        records += fresh
        if len(page) < PAGE or len(fresh) < len(page):
            return records
        before = page[-1].id


def _changed(
    instance: dg.DagsterInstance, keys: list[dg.AssetCheckKey], after: int | None
) -> list[dg.AssetCheckKey]:
    """The checks with a record after `after`: one query for all of them, so a tick pages
    only through the histories that changed (a quiet tick makes one query, not one per check).
    A record keeps the id it got when planned, so a newest id at or below `after` means none."""
    newest = newest_execution_ids(instance, keys)
    return [k for k in keys if k in newest and (after is None or newest[k] > after)]


def _settled(instance: dg.DagsterInstance, record: AssetCheckExecutionRecord) -> bool:
    if not is_planned(record):
        return True
    run = instance.get_run_by_id(record.run_id)
    return run is None or run.is_finished  # planned in a finished run: it will never execute


def _evaluated(record: AssetCheckExecutionRecord) -> bool:
    event = record.event.dagster_event if record.event is not None else None
    return event is not None and event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION


def _reread(
    instance: dg.DagsterInstance, pending: tuple[tuple[int, dg.AssetCheckKey], ...]
) -> tuple[list[AssetCheckExecutionRecord], list[tuple[int, dg.AssetCheckKey]]]:
    """Pending executions that completed since, and those still pending; the others (run over
    without executing them, or deleted) are dropped."""
    completed, still = [], []
    for id_, key in pending:
        page = check_executions(instance, key, limit=1, before=id_ + 1)
        record = page[0] if page and page[0].id == id_ else None
        if record is None:
            continue
        if not _settled(instance, record):
            still.append((id_, key))
        elif _evaluated(record):
            completed.append(record)
    return completed, still


def read_executions(
    instance: dg.DagsterInstance,
    keys: list[dg.AssetCheckKey],
    cursor: AlertCursor,
    hold_seconds: float,
) -> CheckExecutionBatch:
    """Completed executions after `cursor` (and pending ones that completed since)."""
    late, still = _reread(instance, cursor.pending)
    records = sorted(
        (
            r
            for k in _changed(instance, keys, cursor.after)
            for r in _history_after(instance, k, cursor.after)
        ),
        key=lambda r: r.id,
    )
    fresh: list[AssetCheckExecutionRecord] = []
    newly_pending: list[tuple[int, dg.AssetCheckKey]] = []
    scanned_to = records[-1].id if records else cursor.after
    for record in records:
        if not _settled(instance, record):
            if time.time() - record.create_timestamp < hold_seconds:
                scanned_to = record.id - 1  # still holds the cursor
                break
            newly_pending.append((record.id, record.key))
        elif _evaluated(record):
            fresh.append(record)
    if cursor.after is not None and scanned_to is not None:
        scanned_to = max(scanned_to, cursor.after)
    return CheckExecutionBatch(
        completed=sorted(late, key=lambda r: r.id) + fresh,
        still_pending=tuple(still),
        newly_pending=tuple(newly_pending),
        scanned_to=scanned_to,
        late=frozenset(r.id for r in late),
    )


def completed_executions_after(
    instance: dg.DagsterInstance,
    keys: list[dg.AssetCheckKey],
    after: int | None,
    hold_seconds: float = float("inf"),
) -> CheckExecutionBatch:
    """Executions with id > after that have completed (a plain integer cursor)."""
    return read_executions(instance, keys, AlertCursor(after), hold_seconds)
