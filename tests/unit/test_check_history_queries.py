"""The alert sensor's reader pages only through the check histories that changed."""

import uuid

import dagster as dg
import pytest
from dagster._core.events import DagsterEvent, DagsterEventType

from dq_pipelines.alerts import check_events
from dq_pipelines.alerts.check_events import AlertCursor, read_executions

KEYS = [dg.AssetCheckKey(dg.AssetKey("stg_catalog"), f"check_{i}") for i in range(20)]


def _fail(instance: dg.DagsterInstance, key: dg.AssetCheckKey) -> None:
    evaluation = dg.AssetCheckEvaluation(asset_key=key.asset_key, check_name=key.name, passed=False)
    event = DagsterEvent(
        DagsterEventType.ASSET_CHECK_EVALUATION.value, "ingest_job", event_specific_data=evaluation
    )
    instance.report_dagster_event(event, run_id=str(uuid.uuid4()))


@pytest.fixture
def history_reads(monkeypatch: pytest.MonkeyPatch) -> list[dg.AssetCheckKey]:
    """The checks whose history each read pages through, in order."""
    reads: list[dg.AssetCheckKey] = []
    real = check_events.check_executions

    def counting(instance, key, limit, before=None):
        reads.append(key)
        return real(instance, key, limit, before)

    monkeypatch.setattr(check_events, "check_executions", counting)
    return reads


def test_a_tick_reads_only_the_histories_with_new_executions(history_reads):
    instance = dg.DagsterInstance.ephemeral()
    for key in (KEYS[3], KEYS[7], KEYS[3]):
        _fail(instance, key)

    first = read_executions(instance, KEYS, AlertCursor(), hold_seconds=60)
    assert [r.key for r in first.completed] == [KEYS[3], KEYS[7], KEYS[3]]  # in id order
    assert sorted(set(history_reads), key=KEYS.index) == [KEYS[3], KEYS[7]]

    history_reads.clear()
    quiet = read_executions(instance, KEYS, first.cursor, hold_seconds=60)
    assert quiet.completed == [] and quiet.cursor == first.cursor
    assert history_reads == []  # one query for every check's newest id, no paging

    _fail(instance, KEYS[11])
    history_reads.clear()
    later = read_executions(instance, KEYS, first.cursor, hold_seconds=60)
    assert [r.key for r in later.completed] == [KEYS[11]]
    assert history_reads == [KEYS[11]]
    assert later.cursor == AlertCursor(later.completed[0].id)
