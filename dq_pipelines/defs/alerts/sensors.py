"""alert_on_failed_checks: reads check executions, so non-blocking failures alert too."""

import dagster as dg

from dq_pipelines.lib.alerts import alert_for, deliver
from dq_pipelines.lib.check_events import completed_executions_after
from dq_pipelines.lib.links import DagsterUI
from dq_pipelines.lib.project import load_project
from dq_pipelines.lib.slack import SlackNotifier
from dq_pipelines.lib.warehouse import DuckDBWarehouse


@dg.sensor(
    name="alert_on_failed_checks",
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def alert_on_failed_checks(
    context: dg.SensorEvaluationContext,
    slack: SlackNotifier,
    duckdb: DuckDBWarehouse,
    dagster_ui: DagsterUI,
) -> dg.SkipReason:
    """Posts one Slack alert per failed check execution; the cursor is the last one read."""
    project = load_project()
    keys = [dg.AssetCheckKey(dg.AssetKey(c.asset), c.name) for c in project.checks]
    after = int(context.cursor) if context.cursor else None
    batch = completed_executions_after(context.instance, keys, after)
    statuses: list[str] = []
    for record in batch.completed:
        evaluation = record.event.dagster_event.asset_check_evaluation_data
        if evaluation.passed:
            continue
        asset = evaluation.asset_key.to_user_string()
        blocked = sorted(project.descendants(asset))
        alert = alert_for(evaluation, record.run_id, dagster_ui.run_url(record.run_id), blocked)
        statuses.append(deliver(alert, slack, duckdb, context.log))
    if batch.cursor is not None:
        context.update_cursor(str(batch.cursor))
    if not batch.completed:
        return dg.SkipReason("no new check executions")
    summary = {s: statuses.count(s) for s in sorted(set(statuses))}
    return dg.SkipReason(f"{len(batch.completed)} execution(s) read; alerts: {summary or 'none'}")
