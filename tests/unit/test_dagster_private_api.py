"""The private Dagster API that dagster_private.py relies on is still there and still behaves
as it did in 1.13: this fails on an upgrade that changes it, before the reaper silently stops."""

import inspect
from datetime import UTC, datetime

import dagster as dg
from dagster._core.definitions.freshness import (
    FreshnessState,
    FreshnessStateRecord,
    FreshnessStateRecordBody,
)
from dagster._core.events import DagsterEvent, EngineEventData, JobFailureData, RunFailureReason
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)
from dagster._core.storage.event_log.base import EventLogStorage
from dagster._core.test_utils import create_run_for_test

from dq_pipelines import dagster_private


def test_private_names_and_signatures_are_as_in_dagster_1_13():
    params = inspect.signature(dg.DagsterInstance.report_run_failed).parameters
    assert list(params)[1:] == ["dagster_run", "message", "job_failure_data"]
    assert JobFailureData._fields[:2] == ("error", "failure_reason")
    assert {r.name for r in dagster_private.DIED} <= {r.name for r in RunFailureReason}
    for method in ("free_concurrency_slots_for_run", "get_concurrency_run_ids"):
        assert callable(getattr(EventLogStorage, method))
    assert set(EngineEventData.in_process(42).metadata) == {"pid"}


def test_adapter_marks_failed_reads_the_reason_and_finds_pids():
    with dg.instance_for_test() as instance:
        run = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED)
        assert dagster_private.storage_is_local(instance)
        instance.report_engine_event("worker", run, EngineEventData.in_process(4242))
        records = instance.get_records_for_run(run.run_id).records
        assert [pid for pid, _ in dagster_private.worker_pids(records)] == [4242]

        dagster_private.mark_failed(instance, run, "gone")
        failed = instance.get_run_by_id(run.run_id)
        assert failed.status == dg.DagsterRunStatus.FAILURE
        assert failed.tags["dagster/failure_reason"] == "UNEXPECTED_TERMINATION"
        (failure,) = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE
        ).records
        assert dagster_private.died(failure.event_log_entry.dagster_event)

    step_failure = DagsterEvent(
        dg.DagsterEventType.RUN_FAILURE.value,
        job_name="j",
        event_specific_data=JobFailureData(None, RunFailureReason.STEP_FAILURE),
    )
    assert not dagster_private.died(step_failure)
    from_outside = DagsterEvent(dg.DagsterEventType.RUN_FAILURE.value, job_name="j")
    assert dagster_private.died(from_outside)


def test_check_execution_and_freshness_names_are_as_in_dagster_1_13():
    params = inspect.signature(EventLogStorage.get_asset_check_execution_history).parameters
    assert list(params)[1:4] == ["check_key", "limit", "cursor"]
    assert {"PLANNED", "SUCCEEDED", "FAILED"} <= {s.name for s in AssetCheckExecutionRecordStatus}
    for field in ("id", "key", "run_id", "status", "event", "create_timestamp"):
        assert field in AssetCheckExecutionRecord.__annotations__ or hasattr(
            AssetCheckExecutionRecord, field
        ), field
    assert {"PASS", "WARN", "FAIL", "UNKNOWN"} <= {s.name for s in FreshnessState}
    assert {"entity_key", "freshness_state", "updated_at"} <= set(
        FreshnessStateRecord.__annotations__
    )
    assert callable(dg.DagsterInstance.get_freshness_state_records)


def test_adapter_pages_check_executions_and_reads_freshness_states():
    @dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="numbers")])
    def numbers() -> dg.MaterializeResult:
        return dg.MaterializeResult(check_results=[dg.AssetCheckResult(passed=False)])

    key = dg.AssetCheckKey(dg.AssetKey("numbers"), "positive")
    with dg.instance_for_test() as instance:
        for _ in range(3):
            dg.materialize([numbers], instance=instance)
        newest_first = dagster_private.check_executions(instance, key, limit=10)
        assert len(newest_first) == 3
        assert [r.id for r in newest_first] == sorted((r.id for r in newest_first), reverse=True)
        assert not any(dagster_private.is_planned(r) for r in newest_first)
        older = dagster_private.check_executions(instance, key, limit=10, before=newest_first[0].id)
        assert [r.id for r in older] == [r.id for r in newest_first[1:]]

    def state(value: str) -> FreshnessStateRecord:
        return FreshnessStateRecord(
            entity_key=dg.AssetKey("numbers"),
            freshness_state=FreshnessState(value),
            updated_at=datetime.now(UTC),
            record_body=FreshnessStateRecordBody(metadata=None),
        )

    assert dagster_private.freshness_failing(state("FAIL"))
    assert not dagster_private.freshness_failing(state("WARN"))
    assert dagster_private.freshness_passing(state("PASS"))
    assert dagster_private.freshness_passing(state("WARN"))
    assert not dagster_private.freshness_passing(state("UNKNOWN"))
