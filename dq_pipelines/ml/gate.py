"""The training gate: have the blocking checks upstream of a model passed, as last evaluated?"""

from dataclasses import dataclass

import dagster as dg

from dq_pipelines.declared.project import Project
from dq_pipelines.storage.warehouse import DuckDBWarehouse
from dq_pipelines.wap.blocked import record_blocked


@dataclass(frozen=True)
class UnpassedCheck:
    key: dg.AssetCheckKey
    status: str  # FAILED, NEVER_RUN, or a check that never completed: PLANNED (its run goes on),
    # SKIPPED (blocked upstream) or EXECUTION_FAILED (its run failed): as the Dagster UI says
    run_id: str | None

    def describe(self) -> str:
        return f"{self.key.asset_key.to_user_string()}:{self.key.name} ({self.status})"


def blocked_observations(
    project: Project, model: str, unpassed: list[UnpassedCheck]
) -> list[dg.AssetObservation]:
    """What a blocked training records: on the model and on each asset built from it, the
    checks that have not passed (their pages in the catalog say what blocked them)."""
    said = "; ".join(u.describe() for u in unpassed)
    sentence = (
        f"BLOCKED, not trained: {len(unpassed)} upstream blocking check(s) have not passed: "
        f"{said}. Fix the data and re-run them, or set override_failed_checks_reason."
    )
    checks = dg.MetadataValue.json([u.describe() for u in unpassed])
    return [
        dg.AssetObservation(
            asset_key=asset,
            description=sentence,
            metadata={"dq/status": "blocked", "blocked_by_checks": checks},
        )
        for asset in [model, *sorted(project.descendants(model))]
    ]


def blocking_checks_upstream(project: Project, asset: str) -> list[dg.AssetCheckKey]:
    """Every blocking check on an asset that `asset` is built from."""
    upstream = project.ancestors(asset)
    return [
        dg.AssetCheckKey(dg.AssetKey(c.asset), c.name)
        for c in project.checks
        if c.asset in upstream and project.is_blocking(c.asset, c.severity)
    ]


def unpassed_checks(
    instance: dg.DagsterInstance, keys: list[dg.AssetCheckKey]
) -> list[UnpassedCheck]:
    """Checks whose latest evaluation did not pass; a PLANNED record is not a pass."""
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)
    unpassed = []
    for key in keys:
        record = latest.get(key)
        evaluation = record.event.asset_check_evaluation if record and record.event else None
        if record is None:
            unpassed.append(UnpassedCheck(key, "NEVER_RUN", None))
        elif evaluation is None:
            unpassed.append(UnpassedCheck(key, _unfinished(instance, record.run_id), record.run_id))
        elif not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            unpassed.append(UnpassedCheck(key, "FAILED", record.run_id))
    return unpassed


def _unfinished(instance: dg.DagsterInstance, run_id: str | None) -> str:
    """The status of a check that never completed, as the Dagster UI shows it: planned while
    its run goes on, skipped (it was blocked) if the run ended well, execution failed if not."""
    run = instance.get_run_by_id(run_id) if run_id else None
    if run is None or not run.is_finished:
        return "PLANNED"
    return "EXECUTION_FAILED" if run.status == dg.DagsterRunStatus.FAILURE else "SKIPPED"


def block_training(
    context: dg.AssetExecutionContext,
    warehouse: DuckDBWarehouse,
    project: Project,
    model: str,
    unpassed: list[UnpassedCheck],
) -> None:
    """Record a blocked training: a warning, the observations on the model and what is built
    from it, and the checks of the model this run planned as blocked in the results history."""
    observations = blocked_observations(project, model, unpassed)
    context.log.warning(observations[0].description)
    for observation in observations:
        context.log_event(observation)
    blocked_by = [f"{u.key.asset_key.to_user_string()}:{u.key.name}" for u in unpassed]
    record_blocked(context.instance, warehouse, context.run_id, [model], blocked_by, project)


def gate_training(
    context: dg.AssetExecutionContext,
    warehouse: DuckDBWarehouse,
    project: Project,
    model: str,
    keys: list[dg.AssetCheckKey],
    override: str,
) -> list[UnpassedCheck] | None:
    """The gate at the start of a model asset's step: the upstream blocking checks that have not
    passed (empty, or overridden with `override`, a reason) when building may go on; None once
    the build is recorded as blocked (then the step yields nothing)."""
    unpassed = unpassed_checks(context.instance, keys)
    if unpassed and not override:
        block_training(context, warehouse, project, model, unpassed)
        return None
    if unpassed:
        context.log.warning(f"building {model} despite unpassed checks; override: {override!r}")
    return unpassed
