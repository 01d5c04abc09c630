"""A run Dagster itself marked failed because its process died (the code server's watcher or
run monitoring, which record no reason) alerts once, naming its assets; a run that failed by
itself does not (its checks alert)."""

import dagster as dg
from dagster._core.events import JobFailureData, RunFailureReason
from dagster._core.test_utils import create_run_for_test

from dq_pipelines.alerts.channels.slack import SlackNotifier
from dq_pipelines.defs.alerts.dead_runs import reap_dead_runs


def test_run_failed_by_dagster_after_its_process_died_alerts_once(
    instance, resources, slack_stub, warehouse
):
    resources = resources | {
        "slack": SlackNotifier(webhook_url=slack_stub.webhook_url, retry_backoff_seconds=0.01)
    }
    watched = create_run_for_test(instance, "ingest_job", status=dg.DagsterRunStatus.STARTED)
    instance.report_run_failed(watched)  # what the code server does when its worker exits
    failed = create_run_for_test(instance, "ingest_job", status=dg.DagsterRunStatus.STARTED)
    instance.report_run_failed(
        failed, "a step raised", JobFailureData(None, RunFailureReason.STEP_FAILURE)
    )

    context = dg.build_sensor_context(instance=instance, resources=resources)
    reap_dead_runs(context)
    (alert,) = slack_stub.messages()
    assert "ingest_job / run_died" in alert["text"] and watched.run_id in alert["text"]
    again = dg.build_sensor_context(instance=instance, cursor=context.cursor, resources=resources)
    reap_dead_runs(again)
    lost_cursor = dg.build_sensor_context(instance=instance, resources=resources)
    reap_dead_runs(lost_cursor)
    assert len(slack_stub.messages()) == 1
    assert warehouse.query("select status from dq_alerts")["status"].tolist() == ["sent"]
