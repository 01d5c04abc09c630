"""The scorecard as data: every section read at once from one warehouse connection."""

from dataclasses import dataclass
from datetime import datetime

import duckdb

from dq_pipelines.declared.project import Project
from dq_pipelines.declared.promotion import promotion_rules
from dq_pipelines.report import scorecard_data as history
from dq_pipelines.report import scorecard_records as records


@dataclass(frozen=True)
class Scorecard:
    generated_at: datetime
    runs: int  # the window: each asset's last `runs` runs
    by_source: tuple[history.PassRates, ...]
    by_asset: tuple[history.PassRates, ...]
    worst: tuple[history.WorstCheck, ...]
    trends: tuple[history.Trend, ...]
    flat_checks: int  # checks with unexpected percents, all zero (not drawn)
    freshness: tuple[records.Freshness, ...]
    blocked: tuple[records.BlockedEvent, ...]
    quarantine: tuple[records.QuarantineGroup, ...]
    pending_reviews: int
    review_items: tuple[records.ReviewItem, ...]
    models: tuple[records.ModelCard, ...]


def _source_of(project: Project, assets: list[str]) -> dict[str, str]:
    """Each known asset's one source (assets no longer declared, or built from several
    sources, belong to none)."""
    found = {}
    for asset in assets:
        contract = project.source_of(asset) if asset in project.deps else None
        if contract is not None:
            found[asset] = contract.name
    return found


def read_scorecard(
    conn: duckdb.DuckDBPyConnection, project: Project, runs: int, now: datetime
) -> Scorecard:
    if runs < 1:
        raise ValueError(f"the scorecard needs at least one run to show, not {runs}")
    by_asset = history.asset_pass_rates(conn, runs)
    source_of = _source_of(project, [a.name for a in by_asset])
    trends, flat = history.unexpected_trends(conn, runs)
    pending, items = records.review_queue(conn)
    allowed = {s: c.freshness.max_delivery_lag_days for s, c in project.contracts.items()}
    return Scorecard(
        generated_at=now,
        runs=runs,
        by_source=tuple(history.source_pass_rates(by_asset, source_of, runs)),
        by_asset=tuple(by_asset),
        worst=tuple(history.worst_checks(conn, runs)),
        trends=tuple(trends),
        flat_checks=flat,
        freshness=tuple(records.freshness(conn, allowed)),
        blocked=tuple(records.blocked_events(conn)),
        quarantine=tuple(records.open_quarantine(conn)),
        pending_reviews=pending,
        review_items=tuple(items),
        models=tuple(
            records.current_models(
                conn, {m: list(r.tolerances) for m, r in promotion_rules().items()}, runs
            )
        ),
    )
