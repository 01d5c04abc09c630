"""Runs that died: reaped, cleaned up after, and alerted on once, naming what they left unpublished.

A run "died" when its process stopped without finishing it: reaped here (runs/reaper.py), or
marked failed by Dagster itself (run monitoring, the code server's watcher) with no reason or an
UNEXPECTED_TERMINATION / RUN_WORKER_RESTART / START_TIMEOUT one. A run that failed by itself
(a step raised, a blocking check failed) is not dead: its checks alert as usual.
"""

from dataclasses import dataclass

import dagster as dg

from dq_pipelines import dagster_private
from dq_pipelines.alerts.from_checks import AlertOutbox, CheckAlert
from dq_pipelines.alerts.links import DagsterUI
from dq_pipelines.runs.reaper import ReapedRun, reap_dead_runs, run_is_over
from dq_pipelines.storage.warehouse import DuckDBWarehouse
from dq_pipelines.wap.decide import HELD
from dq_pipelines.wap.stage import drop_abandoned

RUN_DIED_CHECK = "run_died"  # the check name of a dead-run alert; its asset is the job's name
DEAD_RUNS_PER_TICK = 50


@dataclass(frozen=True)
class CleanUp:
    reaped: list[ReapedRun]
    dropped: list[str]  # staged tables of runs that are over

    def summary(self) -> str:
        runs = ", ".join(f"{r.job_name} {r.run_id[:8]}" for r in self.reaped)
        return (
            f"{len(self.reaped)} dead run(s) marked failed{f' ({runs})' if runs else ''}; "
            f"{len(self.dropped)} staged table(s) of ended runs dropped"
        )


def clean_up(instance: dg.DagsterInstance, warehouse: DuckDBWarehouse) -> CleanUp:
    """Reap dead runs, free the slots of ended runs, drop every staged table of an ended run."""
    reaped = reap_dead_runs(instance)
    with warehouse.connect() as conn:
        dropped = drop_abandoned(conn, run_is_over(instance))
    return CleanUp(reaped, dropped)


@dataclass(frozen=True)
class DeadRun:
    run_id: str
    job_name: str
    why: str
    planned: frozenset[str]  # assets the run was to materialize
    materialized: frozenset[str]  # of those, the ones it reported


def _asset_keys(instance: dg.DagsterInstance, run_id: str, kind: dg.DagsterEventType) -> set[str]:
    records = instance.get_records_for_run(run_id, of_type=kind).records
    return {
        event.asset_key.to_user_string()
        for r in records
        if (event := r.event_log_entry.dagster_event) is not None and event.asset_key is not None
    }


def dead_runs_after(
    instance: dg.DagsterInstance, cursor: str | None, limit: int = DEAD_RUNS_PER_TICK
) -> tuple[list[DeadRun], str | None]:
    """Runs that died, from the run failures recorded after `cursor`; and the next cursor."""
    result = instance.fetch_run_status_changes(
        dg.DagsterEventType.RUN_FAILURE, limit=limit, cursor=cursor, ascending=True
    )
    dead = []
    for record in result.records:
        event = record.event_log_entry.dagster_event
        if event is None or not dagster_private.died(event):
            continue
        run = instance.get_run_by_id(record.run_id)
        dead.append(
            DeadRun(
                record.run_id,
                run.job_name if run else event.job_name or "unknown job",
                event.message or record.event_log_entry.user_message,
                frozenset(_asset_keys(instance, record.run_id, _PLANNED)),
                frozenset(_asset_keys(instance, record.run_id, _MATERIALIZED)),
            )
        )
    return dead, (result.cursor if result.records else cursor)


_PLANNED = dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED
_MATERIALIZED = dg.DagsterEventType.ASSET_MATERIALIZATION


def published_by(warehouse: DuckDBWarehouse, run_id: str) -> set[str]:
    """Assets whose publication the run committed (it may have died before reporting it)."""
    found = warehouse.query(
        "select distinct asset from dq_publications where run_id = ? and status <> ?",
        [run_id, HELD],
    )
    return set(found["asset"])


def dead_run_alert(dead: DeadRun, run_url: str, published: set[str]) -> CheckAlert:
    """One alert per dead run (its id is the run's), naming the assets it did not publish."""
    done = (dead.materialized | published) & dead.planned
    missing = sorted(dead.planned - done)
    facts = {
        "what_happened": f"the {dead.job_name} run died before it finished: {dead.why}",
        "not_published": ", ".join(missing) or "none: every planned asset was published",
    }
    if done:
        facts["published_before_it_died"] = ", ".join(sorted(done))
    facts["next_step"] = "run the job again: its pool slot and staged tables were freed"
    return CheckAlert(
        asset=dead.job_name,
        check_name=RUN_DIED_CHECK,
        severity="ERROR",
        blocking=bool(missing),
        run_id=dead.run_id,
        run_url=run_url,
        blocked_assets=tuple(missing),
        facts=facts,
    )


def alert_dead_runs(
    outbox: AlertOutbox,
    dead_runs: list[DeadRun],
    warehouse: DuckDBWarehouse,
    dagster_ui: DagsterUI,
) -> list[str]:
    """Deliver each dead run's alert (a run already alerted on is a 'duplicate'); statuses.

    Each dead run is news of its own: its alert group is closed at once, so the next dead run
    of the same job is posted too, even through a webhook (which posts one message a group).
    """
    statuses = []
    for dead in dead_runs:
        alert = dead_run_alert(
            dead, dagster_ui.run_url(dead.run_id), published_by(warehouse, dead.run_id)
        )
        status = outbox.deliver(alert)
        statuses.append(status)
        group = outbox.open_group(alert.asset, alert.check_name)
        if status != "duplicate" and group is not None:
            outbox.close_group(group.group_id)
    return statuses
