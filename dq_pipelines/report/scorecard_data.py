"""The scorecard's check history (dq_check_results): pass rates, worst checks, trends.

"The last N runs" of an asset are the N newest runs that evaluated a check on it (a run's time
is its first evaluation of that asset); a source's are the N newest runs that evaluated any of
its assets. Every query reads tables that `ensure_ops_tables` creates, so an empty warehouse
gives empty sections, never an error.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import duckdb

# Statuses of dq_check_results (storage/ops_tables.py CHECK_RESULTS).
PASSED, WARNED, FAILED, BLOCKED, ERROR = "passed", "warned", "failed", "blocked", "error"


@dataclass(frozen=True)
class RunRate:
    """One run's check results on an asset (or a source's assets)."""

    run_id: str
    started_at: datetime
    passed: int
    warned: int
    failed: int  # failed at ERROR, or could not be computed
    blocked: int

    @property
    def evaluated(self) -> int:
        return self.passed + self.warned + self.failed

    @property
    def pass_rate(self) -> float | None:
        """Share of the checks that ran and passed (None: every check was blocked)."""
        return self.passed / self.evaluated if self.evaluated else None


@dataclass(frozen=True)
class PassRates:
    name: str  # an asset, or a source
    runs: tuple[RunRate, ...]  # oldest first


@dataclass(frozen=True)
class WorstCheck:
    asset: str
    check_name: str
    expectation_type: str
    description: str
    failures: int  # failed, warned or error, in the asset's last N runs
    evaluations: int  # runs in which it ran (not blocked)
    worst_percent: float | None  # highest unexpected percent in those runs
    latest_status: str


@dataclass(frozen=True)
class Trend:
    asset: str
    check_name: str
    points: tuple[tuple[datetime, float], ...]  # (evaluated at, unexpected percent), oldest first


def fetch_all(conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return conn.execute(sql, params or []).fetchall()


# Each asset's last N runs: the runs (by their first evaluation of the asset) it appears in.
_WINDOW = """
    window_runs as (
        select asset, run_id, min(evaluated_at) as started_at
        from dq_check_results group by asset, run_id
        qualify row_number() over (partition by asset order by started_at desc, run_id) <= ?
    ),
    recent as (
        select r.* from dq_check_results r join window_runs w using (asset, run_id)
    )
"""


def asset_pass_rates(conn: duckdb.DuckDBPyConnection, runs: int) -> list[PassRates]:
    """Per asset, per run of its last `runs`: how many of its checks passed, warned, failed."""
    found = fetch_all(
        conn,
        f"""with {_WINDOW}
        select asset, run_id, min(evaluated_at) as started_at,
            count(*) filter (where status = '{PASSED}'),
            count(*) filter (where status = '{WARNED}'),
            count(*) filter (where status in ('{FAILED}', '{ERROR}')),
            count(*) filter (where status = '{BLOCKED}')
        from recent group by asset, run_id order by asset, started_at, run_id""",
        [runs],
    )
    by_asset: dict[str, list[RunRate]] = defaultdict(list)
    for asset, *rate in found:
        by_asset[asset].append(RunRate(*rate))
    return [PassRates(asset, tuple(rates)) for asset, rates in by_asset.items()]


def source_pass_rates(
    assets: list[PassRates], source_of: Mapping[str, str], runs: int
) -> list[PassRates]:
    """Per source, the assets built from it summed per run, its last `runs` runs.

    Exact from the per-asset windows: a run among a source's newest N is among the newest N
    of each of its assets that it evaluated."""
    summed: dict[str, dict[str, RunRate]] = defaultdict(dict)
    for asset in assets:
        source = source_of.get(asset.name)
        if source is None:
            continue
        for r in asset.runs:
            seen = summed[source].get(r.run_id)
            summed[source][r.run_id] = r if seen is None else _add(seen, r)
    return [
        PassRates(source, tuple(sorted(rates.values(), key=lambda r: r.started_at)[-runs:]))
        for source, rates in sorted(summed.items())
    ]


def _add(a: RunRate, b: RunRate) -> RunRate:
    return RunRate(
        a.run_id,
        min(a.started_at, b.started_at),
        a.passed + b.passed,
        a.warned + b.warned,
        a.failed + b.failed,
        a.blocked + b.blocked,
    )


def worst_checks(conn: duckdb.DuckDBPyConnection, runs: int, limit: int = 12) -> list[WorstCheck]:
    """Checks that failed most often, then with the highest unexpected percent, recently."""
    found = fetch_all(
        conn,
        f"""with {_WINDOW}
        select asset, check_name, coalesce(max(expectation_type), ''),
            coalesce(arg_max(description, evaluated_at), ''),
            count(*) filter (where status in ('{FAILED}', '{WARNED}', '{ERROR}')) as failures,
            count(*) filter (where status <> '{BLOCKED}'),
            max(unexpected_percent) as worst, arg_max(status, evaluated_at)
        from recent group by asset, check_name
        having failures > 0 or worst > 0
        order by failures desc, worst desc nulls last, asset, check_name limit ?""",
        [runs, limit],
    )
    return [WorstCheck(*row) for row in found]


def unexpected_trends(
    conn: duckdb.DuckDBPyConnection, runs: int, limit: int = 24
) -> tuple[list[Trend], int]:
    """Unexpected percent per check across its asset's last runs, for the checks that found
    unexpected values at least once (worst first); and how many others found none."""
    found = fetch_all(
        conn,
        f"""with {_WINDOW},
        measured as (
            select asset, check_name, evaluated_at, unexpected_percent from recent
            where unexpected_percent is not null
        ),
        ranked as (
            select asset, check_name, max(unexpected_percent) as worst from measured
            group by all
        )
        select m.asset, m.check_name, m.evaluated_at, m.unexpected_percent, r.worst
        from measured m join ranked r using (asset, check_name)
        order by r.worst desc, m.asset, m.check_name, m.evaluated_at""",
        [runs],
    )
    series: dict[tuple[str, str], list[tuple[datetime, float]]] = defaultdict(list)
    clean = set()
    for asset, check, at, percent, worst in found:
        if worst > 0:
            series[(asset, check)].append((at, percent))
        else:
            clean.add((asset, check))
    trends = [Trend(a, c, tuple(points)) for (a, c), points in series.items()]
    return trends[:limit], len(clean) + max(len(trends) - limit, 0)
