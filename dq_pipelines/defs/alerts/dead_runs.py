"""reap_dead_runs: runs whose process died are failed, cleaned up after and alerted on."""

import dagster as dg

from dq_pipelines.alerts.channels.base import ChannelResource
from dq_pipelines.alerts.from_checks import AlertOutbox
from dq_pipelines.alerts.links import DagsterUI
from dq_pipelines.runs.dead_runs import alert_dead_runs, clean_up, dead_runs_after
from dq_pipelines.storage.warehouse import DuckDBWarehouse


@dg.sensor(
    name="reap_dead_runs",
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks runs whose process died as failed, frees their pool slots and staged "
    "tables, and sends one Slack alert per dead run naming the assets it did not publish. "
    "Requests no runs.",
)
def reap_dead_runs(
    context: dg.SensorEvaluationContext,
    slack: ChannelResource,
    duckdb: DuckDBWarehouse,
    dagster_ui: DagsterUI,
) -> dg.SkipReason:
    """Marks runs whose process died as failed, frees their pool slots and staged tables, and
    alerts once per dead run naming the assets it did not publish."""
    cleaned = clean_up(context.instance, duckdb)
    dead, cursor = dead_runs_after(context.instance, context.cursor)
    outbox = AlertOutbox(slack.alert_channel(), duckdb, context.log)
    statuses = alert_dead_runs(outbox, dead, duckdb, dagster_ui)
    if cursor is not None:
        context.update_cursor(cursor)
    alerts = {s: statuses.count(s) for s in sorted(set(statuses))}
    return dg.SkipReason(f"{cleaned.summary()}; dead-run alerts: {alerts or 'none'}")
