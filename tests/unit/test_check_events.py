"""The alert cursor never moves past a check that is still running, and never re-reads."""

from dataclasses import dataclass
from time import time
from types import SimpleNamespace

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from dq_pipelines.alerts.check_events import (
    AlertCursor,
    completed_executions_after,
    read_executions,
)

KEY = dg.AssetCheckKey(dg.AssetKey("stg_catalog"), "price__between")
PLANNED, FAILED = AssetCheckExecutionRecordStatus.PLANNED, AssetCheckExecutionRecordStatus.FAILED
EVALUATION = SimpleNamespace(
    dagster_event=SimpleNamespace(event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
)


@dataclass
class FakeInstance:
    """Just the instance calls the reader makes: each check's newest record, its history
    newest first, and run status."""

    records: list
    finished_runs: set

    @property
    def event_log_storage(self):
        return self

    def get_asset_check_execution_history(self, key, limit, cursor=None):
        newest_first = sorted(self.records, key=lambda r: -r.id)
        return [r for r in newest_first if cursor is None or r.id < cursor][:limit]

    def get_latest_asset_check_execution_by_key(self, keys):
        newest = {}
        for r in sorted(self.records, key=lambda r: r.id):
            newest[r.key] = r
        return {k: r for k, r in newest.items() if k in keys}

    def get_run_by_id(self, run_id):
        return SimpleNamespace(is_finished=run_id in self.finished_runs)


def _record(id_, run_id, status, age=0.0):
    event = None if status == PLANNED else EVALUATION
    return SimpleNamespace(
        id=id_, run_id=run_id, status=status, event=event, key=KEY, create_timestamp=time() - age
    )


def test_cursor_waits_for_a_check_still_running_in_an_earlier_run():
    slow, fast = _record(10, "slow", PLANNED), _record(11, "fast", FAILED)
    instance = FakeInstance([slow, fast], finished_runs={"fast"})

    first = completed_executions_after(instance, [KEY], None)
    assert first.completed == []  # 11 waits until 10 settles, so nothing is read out of order
    assert first.cursor == AlertCursor(9)

    instance.records[0] = _record(10, "slow", FAILED)
    instance.finished_runs.add("slow")
    second = completed_executions_after(instance, [KEY], first.cursor.after)
    assert [r.id for r in second.completed] == [10, 11]
    assert second.cursor == AlertCursor(11)

    third = completed_executions_after(instance, [KEY], second.cursor.after)
    assert third.completed == [] and third.cursor == AlertCursor(11)


def test_a_check_planned_in_a_finished_run_never_holds_the_cursor():
    skipped, failed = _record(5, "crashed", PLANNED), _record(6, "later", FAILED)
    instance = FakeInstance([skipped, failed], finished_runs={"crashed", "later"})
    batch = completed_executions_after(instance, [KEY], None)
    assert [r.id for r in batch.completed] == [6]
    assert batch.cursor == AlertCursor(6)


def test_history_is_paged_until_the_cursor(monkeypatch):
    monkeypatch.setattr("dq_pipelines.alerts.check_events.PAGE", 3)
    records = [_record(i, f"r{i}", FAILED) for i in range(1, 11)]
    instance = FakeInstance(records, finished_runs={f"r{i}" for i in range(1, 11)})
    batch = completed_executions_after(instance, [KEY], 2)
    assert [r.id for r in batch.completed] == list(range(3, 11))
    assert batch.cursor == AlertCursor(10)


def test_a_check_planned_too_long_ago_is_kept_pending_and_read_when_it_completes():
    dead, later = _record(10, "dead", PLANNED, age=120), _record(11, "later", FAILED)
    instance = FakeInstance([dead, later], finished_runs={"later"})

    first = read_executions(instance, [KEY], AlertCursor(), hold_seconds=60)
    assert [r.id for r in first.completed] == [11]  # the later failure is not held back
    assert first.cursor == AlertCursor(11, ((10, KEY),))

    again = read_executions(instance, [KEY], first.cursor, hold_seconds=60)
    assert again.completed == [] and again.cursor == first.cursor

    instance.records[0] = _record(10, "dead", FAILED, age=120)  # it completes after all
    late = read_executions(instance, [KEY], first.cursor, hold_seconds=60)
    assert [r.id for r in late.completed] == [10]
    assert late.cursor == AlertCursor(11)


def test_a_pending_check_whose_run_ended_without_it_is_dropped():
    instance = FakeInstance([_record(10, "dead", PLANNED, age=120)], finished_runs=set())
    first = read_executions(instance, [KEY], AlertCursor(), hold_seconds=60)
    assert first.cursor == AlertCursor(10, ((10, KEY),))
    instance.finished_runs.add("dead")  # marked failed at last, the check never ran
    settled = read_executions(instance, [KEY], first.cursor, hold_seconds=60)
    assert settled.completed == [] and settled.cursor == AlertCursor(10)


def test_the_cursor_covers_only_what_was_handled():
    records = [_record(i, f"r{i}", FAILED) for i in (1, 2, 4)] + [_record(3, "slow", PLANNED, 99)]
    instance = FakeInstance(records, finished_runs={"r1", "r2", "r4"})
    batch = read_executions(instance, [KEY], AlertCursor(), hold_seconds=60)
    assert [r.id for r in batch.completed] == [1, 2, 4]
    assert batch.cursor_after(0) == AlertCursor(0)
    assert batch.cursor_after(2) == AlertCursor(3, ((3, KEY),))
    assert batch.cursor_after(3) == AlertCursor(4, ((3, KEY),))


def test_cursor_round_trips_and_reads_an_old_integer_cursor():
    cursor = AlertCursor(42, ((7, KEY), (9, dg.AssetCheckKey(dg.AssetKey(["a", "b"]), "c"))))
    assert AlertCursor.parse(cursor.serialize()) == cursor
    assert AlertCursor.parse("17") == AlertCursor(17)
    assert AlertCursor.parse(None) == AlertCursor() == AlertCursor.parse("")
