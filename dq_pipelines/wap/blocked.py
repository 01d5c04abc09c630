"""When an asset's step stops its downstream assets, and how that reads in Dagster.

Dagster's own blocking checks fail the run when they fail, and every check of every asset
downstream then reads "Execution failed", although none of them ran (notes-dagster-1.13 §9).
Here an asset's output is optional instead: a step whose delivery was held, or whose blocking
check failed, yields no output, so Dagster skips what is built from it (its checks read
"Skipped") and the run ends as it really went. The step records why as asset observations,
on itself and on each asset it stopped, so their pages in the catalog say what blocked them.
Whether a check blocks is `Project.is_blocking`; the automation and the training gate use the
same rule (definitions.py, ml/gate.py).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg

from dq_pipelines.checks.gx_runner import CheckOutcome
from dq_pipelines.checks.history import blocked_rows, record_results
from dq_pipelines.declared.project import Project
from dq_pipelines.storage.warehouse import DuckDBWarehouse


@dataclass(frozen=True)
class Stop:
    """Why an asset's step gives its downstream assets nothing new to build from."""

    asset: str
    failed_checks: tuple[str, ...]  # "asset:check": the blocking (else the ERROR) checks failed
    held_because: str  # the publication's reason when the delivery was held, else ""
    blocked: tuple[str, ...]  # the assets downstream, not rebuilt

    @property
    def sentence(self) -> str:
        parts = []
        if self.failed_checks:
            parts.append(f"check(s) failed: {', '.join(self.failed_checks)}")
        if self.held_because:
            parts.append(f"held: {self.held_because}")
        stopped = f"; not rebuilt: {', '.join(self.blocked)}" if self.blocked else ""
        return f"{self.asset}: {'; '.join(parts)}{stopped}"

    def observations(self, own: Mapping[str, Any]) -> list[dg.AssetObservation]:
        """One on the asset itself (with `own`: what its step would have materialized), and
        one on each asset it blocked, naming the cause."""
        cause = {
            "blocked_by_checks": dg.MetadataValue.json(list(self.failed_checks)),
            "held_because": self.held_because or "not held",
        }
        own = dg.AssetObservation(
            asset_key=self.asset,
            description=self.sentence,
            metadata={**own, "dq/status": "held" if self.held_because else "blocking", **cause},
        )
        return [own] + [
            dg.AssetObservation(
                asset_key=asset,
                description=f"BLOCKED, not rebuilt in this run: {self.sentence}",
                metadata={"dq/status": "blocked", "blocked_by_asset": self.asset, **cause},
            )
            for asset in self.blocked
        ]


def blocking_failures(
    project: Project, asset: str, outcomes: Iterable[CheckOutcome]
) -> tuple[str, ...]:
    """The asset's checks that failed at a severity that blocks (one at WARN blocks nothing:
    its failing rows were quarantined and the rest published)."""
    return tuple(
        f"{asset}:{o.check_name}"
        for o in outcomes
        if not o.passed and project.is_blocking(asset, o.severity)
    )


def stop_for(
    project: Project, asset: str, outcomes: Sequence[CheckOutcome], held_because: str = ""
) -> Stop | None:
    """The stop an audit's outcomes call for, or None when downstream may build."""
    failed = blocking_failures(project, asset, outcomes)
    if not failed and not held_because:
        return None
    if not failed:  # held by ERROR checks that block no model: they are what stopped it
        failed = tuple(
            f"{asset}:{o.check_name}" for o in outcomes if not o.passed and o.severity == "ERROR"
        )
    return Stop(asset, failed, held_because, tuple(sorted(project.descendants(asset))))


def planned_checks(
    instance: dg.DagsterInstance, run_id: str, assets: Iterable[str]
) -> list[tuple[str, str]]:
    """The checks of `assets` that this run planned (Dagster logs them when the run starts)."""
    wanted = set(assets)
    planned = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED)
    found = []
    for entry in planned:
        data = entry.dagster_event.event_specific_data if entry.dagster_event else None
        asset = data.asset_key.to_user_string() if data is not None else ""
        if asset in wanted:
            found.append((asset, data.check_name))
    return found


def record_blocked(
    instance: dg.DagsterInstance,
    warehouse: DuckDBWarehouse,
    run_id: str,
    assets: Iterable[str],
    blocked_by: Sequence[str],
    project: Project,
) -> None:
    """Put the checks of `assets` this run planned, and did not run because `blocked_by`
    ("asset:check" each) failed, in the results history as blocked (checks Dagster builds
    itself, like its column schema change check, are not in the history)."""
    declared = {(c.asset, c.name) for c in project.checks}
    checks = [c for c in planned_checks(instance, run_id, assets) if c in declared]
    if checks:
        with warehouse.connect() as conn:
            record_results(conn, blocked_rows(checks, blocked_by, run_id, project=project))
