"""Issue 8 finding 2: a run that died with checks still planned does not silence alerting."""

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationPlanned,
)
from dagster._core.events import DagsterEvent, DagsterEventType
from dagster._core.test_utils import create_run_for_test

from dq_pipelines.alerts.budget import AlertTickPolicy
from dq_pipelines.alerts.channels.slack import SlackNotifier
from dq_pipelines.alerts.check_events import AlertCursor
from dq_pipelines.defs.alerts.sensors import alert_on_failed_checks

DEAD_CHECK = dg.AssetCheckKey(dg.AssetKey("stg_catalog"), "price__between")
LATER_CHECK = dg.AssetCheckKey(dg.AssetKey("stg_catalog"), "title__not_null")


def _report(instance: dg.DagsterInstance, run_id: str, data) -> None:
    kind = (
        DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED
        if isinstance(data, AssetCheckEvaluationPlanned)
        else DagsterEventType.ASSET_CHECK_EVALUATION
    )
    event = DagsterEvent(kind.value, "ingest_job", event_specific_data=data)
    instance.report_dagster_event(event, run_id=run_id)


def _failed(key: dg.AssetCheckKey) -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(
        asset_key=key.asset_key,
        check_name=key.name,
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        blocking=True,
        metadata={"unexpected_count": dg.MetadataValue.int(3)},
    )


def test_a_dead_runs_planned_check_holds_the_cursor_only_for_a_while(
    instance, resources, slack_stub
):
    dead = create_run_for_test(instance, job_name="ingest_job", status=dg.DagsterRunStatus.STARTED)
    _report(
        instance,
        dead.run_id,
        AssetCheckEvaluationPlanned(asset_key=DEAD_CHECK.asset_key, check_name=DEAD_CHECK.name),
    )
    later = create_run_for_test(instance, job_name="ingest_job", status=dg.DagsterRunStatus.FAILURE)
    _report(instance, later.run_id, _failed(LATER_CHECK))
    slack = SlackNotifier(webhook_url=slack_stub.webhook_url, max_retries=0)

    def tick(cursor: str | None, hold_seconds: int) -> str:
        alerting = AlertTickPolicy(pending_hold_seconds=hold_seconds)
        context = dg.build_sensor_context(
            instance=instance,
            cursor=cursor,
            resources=resources | {"slack": slack, "alerting": alerting},
        )
        alert_on_failed_checks(context)
        return context.cursor

    # Within the hold, the dead run's check keeps the later failure waiting (it may be slow).
    cursor = tick(None, hold_seconds=600)
    assert slack_stub.messages() == []

    # Once the hold has passed (0 here), the later blocking failure is alerted on the next tick.
    cursor = tick(cursor, hold_seconds=0)
    (message,) = slack_stub.messages()
    assert "stg_catalog / title__not_null (ERROR, blocking)" in message["text"]
    assert f"/runs/{later.run_id}" in message["text"]
    assert [key for _, key in AlertCursor.parse(cursor).pending] == [DEAD_CHECK]

    assert tick(cursor, hold_seconds=0) == cursor  # nothing new, nothing posted twice
    assert len(slack_stub.messages()) == 1

    # The first run's check completes after all: it is alerted then, and no longer pending.
    _report(instance, dead.run_id, _failed(DEAD_CHECK))
    cursor = tick(cursor, hold_seconds=0)
    texts = [m["text"] for m in slack_stub.messages()]
    assert len(texts) == 2
    assert "stg_catalog / price__between" in texts[1] and f"/runs/{dead.run_id}" in texts[1]
    assert AlertCursor.parse(cursor).pending == ()
