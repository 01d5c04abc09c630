"""alert_on_failed_checks: reads check executions, so non-blocking failures alert too."""

import dagster as dg

from dq_pipelines.alerts.budget import AlertTickPolicy, TickBudget
from dq_pipelines.alerts.channels.base import ChannelResource
from dq_pipelines.alerts.check_events import AlertCursor, read_executions
from dq_pipelines.alerts.from_checks import (
    FRESHNESS_POLICY_CHECK,
    AlertOutbox,
    CheckAlert,
    alert_for,
    freshness_alert,
    sensitive_columns,
)
from dq_pipelines.alerts.links import DagsterUI
from dq_pipelines.alerts.tick_log import Delivery, destination, log_deliveries
from dq_pipelines.dagster_private import (
    AssetCheckExecutionRecord,
    FreshnessStateRecord,
    freshness_failing,
    freshness_passing,
)
from dq_pipelines.declared.project import Project, load_project
from dq_pipelines.storage.warehouse import DuckDBWarehouse


def _counts(statuses: list[str]) -> dict[str, int]:
    return {s: statuses.count(s) for s in sorted(set(statuses))}


def _deliver(outbox: AlertOutbox, alert: CheckAlert) -> Delivery:
    """Deliver one alert and say where it went (for the tick's log)."""
    status = outbox.deliver(alert)
    where = destination(status, outbox.channel)
    return Delivery(alert.asset, alert.check_name, alert.severity, status, where)


def _freshness_failures(
    records: dict[dg.AssetKey, FreshnessStateRecord], project: Project, dagster_ui: DagsterUI
) -> list[CheckAlert]:
    """Raw assets whose freshness policy is FAILing now (each transition alerts once)."""
    by_key = {dg.AssetKey(c.raw_table): c for c in project.contracts.values()}
    return [
        freshness_alert(
            key.to_user_string(),
            record.updated_at,
            by_key[key].freshness.severity,
            f"{by_key[key].freshness.max_delivery_lag_days + 1} day(s) since the last load",
            dagster_ui.asset_url(key.to_user_string()),
        )
        for key, record in records.items()
        if freshness_failing(record)
    ]


def _close_fresh_groups(
    records: dict[dg.AssetKey, FreshnessStateRecord],
    outbox: AlertOutbox,
    open_checks: set[tuple[str, str]],
) -> None:
    """A freshness policy that no longer fails closes its alert group."""
    for key, record in records.items():
        check = (key.to_user_string(), FRESHNESS_POLICY_CHECK)
        if freshness_passing(record) and check in open_checks:
            group = outbox.open_group(*check)
            if group:
                outbox.close_group(group.group_id)


def _close_group_on_pass(
    outbox: AlertOutbox,
    check: tuple[str, str],
    passed_id: int,
    failed_ids: dict[tuple[str, str, str], int],
) -> bool:
    """A pass closes its check's open group, unless the group's last failure came after it (a
    history re-read after the cursor was lost). True when no group of the check is left open."""
    group = outbox.open_group(*check)
    if group is None:
        return True
    if failed_ids.get((*check, group.last_run_id), 0) > passed_id:
        return False
    outbox.close_group(group.group_id)
    return True


def _alert_executions(
    records: list[AssetCheckExecutionRecord],
    outbox: AlertOutbox,
    open_checks: set[tuple[str, str]],
    project: Project,
    dagster_ui: DagsterUI,
    budget: TickBudget,
) -> tuple[int, list[Delivery]]:
    """Delivers an alert per failed execution and closes a check's group when it passes, in
    execution order, until the tick's budget is spent; returns how many executions were
    handled and the alerts' deliveries. `open_checks` is kept up to date: it holds every check
    that may have an open group, so most passes need no lookup."""
    evaluations = [(r, r.event.dagster_event.asset_check_evaluation_data) for r in records]
    failed_ids = {
        (e.asset_key.to_user_string(), e.check_name, r.run_id): r.id
        for r, e in evaluations
        if not e.passed
    }
    deliveries: list[Delivery] = []
    handled = 0
    for record, evaluation in evaluations:
        if budget.spent():
            break
        handled += 1
        asset = evaluation.asset_key.to_user_string()
        check = (asset, evaluation.check_name)
        if evaluation.passed:
            if check in open_checks and _close_group_on_pass(outbox, check, record.id, failed_ids):
                open_checks.discard(check)
            continue
        open_checks.add(check)
        alert = alert_for(
            evaluation,
            record.run_id,
            dagster_ui.run_url(record.run_id),
            sorted(project.descendants(asset)),
            sensitive_columns(project, asset),
            scorecard_url=dagster_ui.scorecard_url,
        )
        deliveries.append(_deliver(outbox, alert))
    return handled, deliveries


@dg.sensor(
    name="alert_on_failed_checks",
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Sends one Slack alert per failed check execution (and per failing freshness "
    "policy), grouping a check's consecutive failures in one thread; a delivery that failed is "
    "retried on the next tick. Each tick's log says what was sent, where, and what was held "
    "back. Requests no runs.",
)
def alert_on_failed_checks(
    context: dg.SensorEvaluationContext,
    slack: ChannelResource,
    duckdb: DuckDBWarehouse,
    dagster_ui: DagsterUI,
    alerting: AlertTickPolicy,
) -> dg.SkipReason:
    """Posts one Slack alert per failed check execution, grouping a check's consecutive
    failures; undelivered ones are retried first. Each tick stays within its budget."""
    budget = alerting.budget()
    outbox = AlertOutbox(slack.alert_channel(), duckdb, context.log, budget)
    project = load_project()
    keys = [dg.AssetCheckKey(dg.AssetKey(c.asset), c.name) for c in project.checks]
    cursor = AlertCursor.parse(context.cursor)
    batch = read_executions(context.instance, keys, cursor, alerting.pending_hold_seconds)
    with outbox.holding_warehouse():
        retried = outbox.retry_failed()
        open_checks = outbox.checks_with_open_groups()
        handled, deliveries = _alert_executions(
            batch.completed, outbox, open_checks, project, dagster_ui, budget
        )
        freshness = context.instance.get_freshness_state_records(
            [dg.AssetKey(c.raw_table) for c in project.contracts.values()]
        )
        failing = [] if budget.spent() else _freshness_failures(freshness, project, dagster_ui)
        stale = [_deliver(outbox, alert) for alert in failing]
        _close_fresh_groups(freshness, outbox, open_checks)
    new_cursor = batch.cursor_after(handled)  # only what was handled: the rest is read again
    context.update_cursor(new_cursor.serialize())
    log_deliveries(context.log, deliveries + stale)
    statuses = [d.status for d in deliveries]
    summary = [f"retried: {_counts(retried)}"] if retried else []
    if batch.completed:
        summary.append(f"{handled} execution(s) read; alerts: {_counts(statuses) or 'none'}")
    else:
        summary.append("no new check executions")
    if handled < len(batch.completed):
        summary.append(f"tick budget spent: {len(batch.completed) - handled} left for next tick")
    if new_cursor.pending:
        summary.append(f"{len(new_cursor.pending)} check(s) of unfinished runs still pending")
    if stale:
        summary.append(f"freshness failures: {_counts([d.status for d in stale])}")
    if outbox.unavailable:
        summary.append("Slack unavailable: undelivered alerts wait for the next tick")
    said = "; ".join(summary)
    context.log.info(said)
    return dg.SkipReason(said)
