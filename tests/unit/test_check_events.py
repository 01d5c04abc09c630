"""The alert cursor never moves past a check that is still running, and never re-reads."""

from dataclasses import dataclass
from types import SimpleNamespace

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from dq_pipelines.lib.check_events import completed_executions_after

KEY = dg.AssetCheckKey(dg.AssetKey("stg_catalog"), "price__between")
PLANNED, FAILED = AssetCheckExecutionRecordStatus.PLANNED, AssetCheckExecutionRecordStatus.FAILED
EVALUATION = SimpleNamespace(
    dagster_event=SimpleNamespace(event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
)


@dataclass
class FakeInstance:
    """Just the two instance calls the reader makes: history newest first, and run status."""

    records: list
    finished_runs: set

    @property
    def event_log_storage(self):
        return self

    def get_asset_check_execution_history(self, key, limit, cursor=None):
        newest_first = sorted(self.records, key=lambda r: -r.id)
        return [r for r in newest_first if cursor is None or r.id < cursor][:limit]

    def get_run_by_id(self, run_id):
        return SimpleNamespace(is_finished=run_id in self.finished_runs)


def _record(id_, run_id, status):
    event = None if status == PLANNED else EVALUATION
    return SimpleNamespace(id=id_, run_id=run_id, status=status, event=event)


def test_cursor_waits_for_a_check_still_running_in_an_earlier_run():
    slow, fast = _record(10, "slow", PLANNED), _record(11, "fast", FAILED)
    instance = FakeInstance([slow, fast], finished_runs={"fast"})

    first = completed_executions_after(instance, [KEY], None)
    assert first.completed == []  # 11 waits until 10 settles, so nothing is read out of order
    assert first.cursor == 9

    instance.records[0] = _record(10, "slow", FAILED)
    instance.finished_runs.add("slow")
    second = completed_executions_after(instance, [KEY], first.cursor)
    assert [r.id for r in second.completed] == [10, 11]
    assert second.cursor == 11

    third = completed_executions_after(instance, [KEY], second.cursor)
    assert third.completed == [] and third.cursor == 11


def test_a_check_planned_in_a_finished_run_never_holds_the_cursor():
    skipped, failed = _record(5, "crashed", PLANNED), _record(6, "later", FAILED)
    instance = FakeInstance([skipped, failed], finished_runs={"crashed", "later"})
    batch = completed_executions_after(instance, [KEY], None)
    assert [r.id for r in batch.completed] == [6]
    assert batch.cursor == 6


def test_history_is_paged_until_the_cursor(monkeypatch):
    monkeypatch.setattr("dq_pipelines.lib.check_events.PAGE", 3)
    records = [_record(i, f"r{i}", FAILED) for i in range(1, 11)]
    instance = FakeInstance(records, finished_runs={f"r{i}" for i in range(1, 11)})
    batch = completed_executions_after(instance, [KEY], 2)
    assert [r.id for r in batch.completed] == list(range(3, 11))
    assert batch.cursor == 10
