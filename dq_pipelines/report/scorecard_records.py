"""The scorecard's operational sections: freshness, what was blocked or held, open quarantine,
the label review queue and the current models, read from the `dq_*` tables."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from dq_pipelines.report.scorecard_data import BLOCKED, fetch_all

ACCEPTED_LOADS = ("loaded", "replaced")  # a delivery whose rows were published


@dataclass(frozen=True)
class Freshness:
    source: str
    latest_delivery: date | None  # newest accepted (published) delivery
    arrived_at: datetime | None
    lag_days: int | None  # behind the newest delivery of any source
    allowed_days: int

    @property
    def fresh(self) -> bool:
        return self.lag_days is not None and self.lag_days <= self.allowed_days


@dataclass(frozen=True)
class BlockedEvent:
    at: datetime
    asset: str
    what: str  # the blocked check, or the held publication
    cause: str  # the failing checks that blocked it, or the hold's reason
    run_id: str


@dataclass(frozen=True)
class QuarantineGroup:
    asset: str
    delivery_date: date | None
    load_id: str
    rows: int
    failed_checks: tuple[str, ...]
    since: datetime


@dataclass(frozen=True)
class ReviewItem:
    asset: str
    item_id: str
    given_label: str
    suggested_label: str
    confidence: float
    times_flagged: int


@dataclass(frozen=True)
class VersionValue:
    model_version: str
    status: str  # champion, challenger or retired (dq_model_registry)
    status_reason: str
    value: float | None  # None: the version was not measured on this metric


@dataclass(frozen=True)
class MetricTrend:
    """A key metric (one the promotion rules compare) across a model's recent versions."""

    metric: str  # as promotion.yaml names it: `metric`, or `metric/label`
    versions: tuple[VersionValue, ...]  # oldest first


@dataclass(frozen=True)
class ModelCard:
    model_asset: str
    model_version: str  # the champion, or the newest version while none was promoted
    status: str
    trained_at: datetime
    training_rows: int
    overall: tuple[tuple[str, float], ...]  # (metric, value)
    per_label: tuple[tuple[str, str, float], ...]  # (metric, label, value)
    trends: tuple[MetricTrend, ...] = ()


def freshness(conn: duckdb.DuckDBPyConnection, allowed_days: Mapping[str, int]) -> list[Freshness]:
    """Each declared source's newest published delivery, against the newest of any source."""
    (newest,) = fetch_all(
        conn, "select max(delivery_date) from dq_manifest where status <> 'duplicate'"
    )
    latest = {
        source: (day, arrived)
        for source, day, arrived in fetch_all(
            conn,
            "select source, max(delivery_date), arg_max(arrived_at, delivery_date) "
            "from dq_manifest where status in (?, ?) group by source",
            list(ACCEPTED_LOADS),
        )
    }
    result = []
    for source, allowed in sorted(allowed_days.items()):
        day, arrived = latest.get(source, (None, None))
        lag = (newest[0] - day).days if day is not None and newest[0] is not None else None
        result.append(Freshness(source, day, arrived, lag, allowed))
    return result


def blocked_events(conn: duckdb.DuckDBPyConnection, limit: int = 30) -> list[BlockedEvent]:
    """Newest first: checks that did not run because a blocking check upstream failed (one
    line per run and asset), and publications held."""
    found = fetch_all(
        conn,
        f"""select * from (
            select min(evaluated_at) as happened_at, asset,
                string_agg(distinct check_name, ', ' order by check_name) as what,
                string_agg(distinct b, ', ' order by b) as cause, run_id
            from (select *, unnest(coalesce(blocked_by, [''])) as b from dq_check_results
                  where status = '{BLOCKED}')
            group by asset, run_id
            union all
            select decided_at, asset, 'publication held', coalesce(reason, ''), run_id
            from dq_publications where status = 'held'
        ) order by happened_at desc, asset limit ?""",
        [limit],
    )
    return [
        BlockedEvent(at, asset, what, cause.strip(", "), run or "")
        for at, asset, what, cause, run in found
    ]


def open_quarantine(conn: duckdb.DuckDBPyConnection) -> list[QuarantineGroup]:
    """Rows kept out of published tables and not released, per asset and load."""
    found = fetch_all(
        conn,
        """select asset, delivery_date, coalesce(load_id, ''), count(*),
            list_sort(list_distinct(flatten(list(failed_checks)))), min(quarantined_at)
        from dq_quarantine where released_at is null
        group by asset, delivery_date, load_id order by min(quarantined_at) desc, asset""",
    )
    return [QuarantineGroup(a, d, lid, n, tuple(c or ()), s) for a, d, lid, n, c, s in found]


def review_queue(conn: duckdb.DuckDBPyConnection, limit: int = 10) -> tuple[int, list[ReviewItem]]:
    """How many label review items are pending, and the most suspicious of them."""
    ((pending,),) = fetch_all(conn, "select count(*) from dq_label_review where verdict is null")
    found = fetch_all(
        conn,
        "select asset, item_id, given_label, coalesce(suggested_label, ''), confidence, "
        "times_flagged from dq_label_review where verdict is null "
        "order by confidence, item_id limit ?",
        [limit],
    )
    return pending, [ReviewItem(*row) for row in found]


def current_models(
    conn: duckdb.DuckDBPyConnection, key_metrics: Mapping[str, Sequence[str]], versions: int
) -> list[ModelCard]:
    """Each model's version in service (its champion; the newest while none was promoted),
    its metrics (overall, and per label), and its key metrics over the last `versions`."""
    models = fetch_all(
        conn,
        "select model_asset, model_version, coalesce(status, 'challenger'), trained_at, "
        "coalesce(training_rows, 0) from dq_model_registry "
        "qualify row_number() over (partition by model_asset "
        "order by status = 'champion' desc, trained_at desc) = 1 "
        "order by model_asset",
    )
    cards = []
    for asset, version, status, trained_at, rows in models:
        metrics = fetch_all(
            conn,
            "select metric, coalesce(label, ''), value from dq_model_metrics "
            "where model_version = ? and value is not null "
            "qualify row_number() over (partition by metric, label order by evaluated_at desc) = 1 "
            "order by metric, label",
            [version],
        )
        overall = tuple((m, v) for m, label, v in metrics if not label)
        per_label = tuple((m, label, v) for m, label, v in metrics if label)
        trends = tuple(
            _metric_trend(conn, asset, metric, versions) for metric in key_metrics.get(asset, ())
        )
        cards.append(
            ModelCard(asset, version, status, trained_at, rows, overall, per_label, trends)
        )
    return cards


def _metric_trend(
    conn: duckdb.DuckDBPyConnection, asset: str, metric: str, versions: int
) -> MetricTrend:
    """`metric` is `name` (overall) or `name/label`, as the promotion rules name it."""
    name, _, label = metric.partition("/")
    found = fetch_all(
        conn,
        """with recent as (
            select model_version, coalesce(status, 'challenger') as status,
                coalesce(status_reason, '') as reason, trained_at
            from dq_model_registry where model_asset = ? order by trained_at desc limit ?),
        measured as (
            select model_version, value from dq_model_metrics
            where metric = ? and coalesce(label, '') = ?
            qualify row_number() over (partition by model_version order by evaluated_at desc) = 1)
        select model_version, status, reason, value
        from recent left join measured using (model_version) order by trained_at""",
        [asset, versions, name, label],
    )
    return MetricTrend(metric, tuple(VersionValue(*row) for row in found))
