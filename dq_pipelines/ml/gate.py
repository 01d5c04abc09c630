"""The training gate: have the blocking checks upstream of a model passed, as last evaluated?"""

from dataclasses import dataclass

import dagster as dg

from dq_pipelines.declared.project import Project


@dataclass(frozen=True)
class UnpassedCheck:
    key: dg.AssetCheckKey
    status: str  # FAILED, PLANNED (never completed) or NEVER_RUN
    run_id: str | None

    def describe(self) -> str:
        return f"{self.key.asset_key.to_user_string()}:{self.key.name} ({self.status})"


class TrainingBlockedError(dg.Failure):
    """Training refused because upstream blocking checks have not passed."""

    def __init__(self, unpassed: list[UnpassedCheck]) -> None:
        super().__init__(
            description=(
                f"{len(unpassed)} upstream blocking check(s) have not passed: "
                + "; ".join(u.describe() for u in unpassed)
                + ". Fix the data and re-run them, or set override_failed_checks_reason."
            ),
            metadata={"unpassed_checks": [u.describe() for u in unpassed]},
        )


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
            unpassed.append(UnpassedCheck(key, record.status.value, record.run_id))
        elif not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            unpassed.append(UnpassedCheck(key, "FAILED", record.run_id))
    return unpassed
