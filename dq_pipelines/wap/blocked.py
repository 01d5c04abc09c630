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
from dq_pipelines.declared.project import Project


@dataclass(frozen=True)
class Stop:
    """Why an asset's step gives its downstream assets nothing new to build from."""

    asset: str
    failed_checks: tuple[str, ...]  # "asset:check", the blocking checks that failed
    held_because: str  # the publication's reason when the delivery was held, else ""
    blocked: tuple[str, ...]  # the assets downstream, not rebuilt

    @property
    def sentence(self) -> str:
        parts = []
        if self.failed_checks:
            parts.append(f"blocking check(s) failed: {', '.join(self.failed_checks)}")
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
    return Stop(asset, failed, held_because, tuple(sorted(project.descendants(asset))))
