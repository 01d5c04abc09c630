"""The scorecard page, an asset of its own outside the data graph (see sensors.py)."""

import dagster as dg

from dq_pipelines.alerts.links import DagsterUI
from dq_pipelines.declared.project import load_project
from dq_pipelines.report import DEFAULT_RUNS
from dq_pipelines.report.site import ScorecardSite, write_scorecard
from dq_pipelines.storage.warehouse import DuckDBWarehouse


class ScorecardConfig(dg.Config):
    runs: int = DEFAULT_RUNS  # each asset's last N runs, for pass rates, worst checks, trends


@dg.asset(
    group_name="report",
    kinds={"html"},
    description="The data-quality scorecard: one self-contained HTML page of pass rates, worst "
    "checks, trends, freshness, what was blocked or held, quarantine, review queue and the "
    "current model. Written after every ingest run, whatever its outcome.",
)
def dq_scorecard(
    config: ScorecardConfig,
    duckdb: DuckDBWarehouse,
    scorecard: ScorecardSite,
    dagster_ui: DagsterUI,
) -> dg.MaterializeResult:
    if config.runs < 1:
        raise dg.Failure(f"runs must be at least 1, not {config.runs}")
    path = scorecard.page_path
    write_scorecard(duckdb, load_project(), path, config.runs, dagster_ui.base_url)
    metadata: dict[str, dg.MetadataValue] = {"path": dg.MetadataValue.path(str(path))}
    if scorecard.url:
        metadata["url"] = dg.MetadataValue.url(scorecard.url)
    return dg.MaterializeResult(metadata=metadata)
