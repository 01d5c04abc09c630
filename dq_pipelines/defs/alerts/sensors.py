"""alert_on_failed_checks: reads check evaluations, so non-blocking failures alert too."""

import dagster as dg
from dagster._core.event_api import EventRecordsFilter

from dq_pipelines.lib.alerts import alert_for, deliver
from dq_pipelines.lib.links import DagsterUI
from dq_pipelines.lib.project import load_project
from dq_pipelines.lib.slack import SlackNotifier
from dq_pipelines.lib.warehouse import DuckDBWarehouse

BATCH = 200


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
    """Posts one Slack alert per failed check evaluation; the cursor is the last event seen."""
    after = int(context.cursor) if context.cursor else None
    records = context.instance.event_log_storage.get_event_records(
        EventRecordsFilter(
            event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, after_cursor=after
        ),
        limit=BATCH,
        ascending=True,
    )
    project = load_project()
    statuses: list[str] = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.asset_check_evaluation_data
        if not evaluation.passed:
            asset = evaluation.asset_key.to_user_string()
            blocked = sorted(project.descendants(asset)) if asset in project.deps else []
            alert = alert_for(evaluation, record.run_id, dagster_ui.run_url(record.run_id), blocked)
            statuses.append(deliver(alert, slack, duckdb, context.log))
        # Advance per record so a crash mid-batch resumes after the last handled evaluation.
        context.update_cursor(str(record.storage_id))
    if not records:
        return dg.SkipReason("no new check evaluations")
    summary = {s: statuses.count(s) for s in sorted(set(statuses))}
    return dg.SkipReason(f"{len(records)} evaluation(s) read; alerts: {summary or 'none'}")
