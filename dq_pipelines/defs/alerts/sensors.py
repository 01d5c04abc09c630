"""alert_on_failed_checks: reads check executions, so non-blocking failures alert too."""

import dagster as dg
from dagster._core.definitions.freshness import FreshnessState

from dq_pipelines.lib.alerts import (
    AlertOutbox,
    CheckAlert,
    alert_for,
    freshness_alert,
    sensitive_columns,
)
from dq_pipelines.lib.check_events import completed_executions_after
from dq_pipelines.lib.links import DagsterUI
from dq_pipelines.lib.project import Project, load_project
from dq_pipelines.lib.slack import SlackNotifier
from dq_pipelines.lib.warehouse import DuckDBWarehouse


def _counts(statuses: list[str]) -> dict[str, int]:
    return {s: statuses.count(s) for s in sorted(set(statuses))}


def _freshness_failures(
    instance: dg.DagsterInstance, project: Project, dagster_ui: DagsterUI
) -> list[CheckAlert]:
    """Raw assets whose freshness policy is FAILing now (each transition alerts once)."""
    by_key = {dg.AssetKey(c.raw_table): c for c in project.contracts.values()}
    records = instance.get_freshness_state_records(list(by_key))
    return [
        freshness_alert(
            key.to_user_string(),
            record.updated_at,
            by_key[key].freshness.severity,
            f"{by_key[key].freshness.max_delivery_lag_days + 1} day(s) since the last load",
            dagster_ui.asset_url(key.to_user_string()),
        )
        for key, record in records.items()
        if record.freshness_state == FreshnessState.FAIL
    ]


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
    """Posts one Slack alert per failed check execution; undelivered ones are retried first."""
    outbox = AlertOutbox(slack, duckdb, context.log)
    retried = outbox.retry_failed()
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
        alert = alert_for(
            evaluation,
            record.run_id,
            dagster_ui.run_url(record.run_id),
            sorted(project.descendants(asset)),
            sensitive_columns(project, asset),
        )
        statuses.append(outbox.deliver(alert))
    stale = [
        outbox.deliver(alert)
        for alert in _freshness_failures(context.instance, project, dagster_ui)
    ]
    if batch.cursor is not None:
        context.update_cursor(str(batch.cursor))
    summary = [f"retried: {_counts(retried)}"] if retried else []
    if batch.completed:
        summary.append(
            f"{len(batch.completed)} execution(s) read; alerts: {_counts(statuses) or 'none'}"
        )
    else:
        summary.append("no new check executions")
    if stale:
        summary.append(f"freshness failures: {_counts(stale)}")
    if outbox.unavailable:
        summary.append("Slack unavailable: undelivered alerts wait for the next tick")
    return dg.SkipReason("; ".join(summary))
