"""The scorecard page: one self-contained HTML file (inline CSS and SVG, no script, no network).

Every value from data is escaped (`html.escape`, quotes included), so a check or asset name can
neither add markup nor a link. The only links are to the Dagster UI's runs, when its URL is
given and is http(s).
"""

from collections.abc import Sequence
from datetime import date, datetime
from html import escape
from urllib.parse import quote, urlsplit

from dq_pipelines.report import svg
from dq_pipelines.report.scorecard import Scorecard
from dq_pipelines.report.scorecard_data import PassRates, RunRate
from dq_pipelines.report.scorecard_records import MetricTrend, ModelCard
from dq_pipelines.report.scorecard_style import CSS

NO_RUNS = "No runs yet."
LEGEND = (
    "green every check passed, amber one warned, red one failed; a grey dashed line: no check "
    "ran (all blocked upstream)"
)
DESCRIPTION_SHOWN = 180  # characters of a check's description in the table (all in its tooltip)
STATUS_COLORS = {"passed": svg.GOOD, "warned": svg.WARN, "failed": svg.BAD, "error": svg.BAD}


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _when(value: datetime | date | None) -> str:
    if value is None:
        return "never"
    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, datetime) else f"{value:%Y-%m-%d}"


def _status(status: str) -> str:
    color = STATUS_COLORS.get(status, svg.MUTED)
    return f'<span class="st" style="background:{color}">{_e(status)}</span>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    """Rows of cells already made safe (escaped values or markup built here)."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(title: str, lead: str, content: str, empty: bool, empty_text: str = NO_RUNS) -> str:
    shown = f'<p class="empty">{_e(empty_text)}</p>' if empty else content
    return f'<section><h2>{_e(title)}</h2><p class="sub">{_e(lead)}</p>{shown}</section>'


class _Links:
    """Links to Dagster runs, only for an http(s) base URL."""

    def __init__(self, dagster_url: str | None) -> None:
        parts = urlsplit(dagster_url or "")
        ok = parts.scheme in ("http", "https") and parts.netloc
        self.base = (dagster_url or "").rstrip("/") if ok else None

    def run(self, run_id: str) -> str:
        short = _e(run_id[:8])
        if not self.base or not run_id:
            return f"<code>{short}</code>"
        href = _e(f"{self.base}/runs/{quote(run_id, safe='')}")
        return f'<a href="{href}"><code>{short}</code></a>'


def _run_tooltip(r: RunRate) -> str:
    rate = "all blocked" if r.pass_rate is None else f"{r.pass_rate:.0%} passed"
    return (
        f"{_when(r.started_at)} run {r.run_id[:8]}: {rate} ({r.passed} passed, {r.warned} "
        f"warned, {r.failed} failed, {r.blocked} blocked)"
    )


def _rate_color(r: RunRate) -> str:
    return svg.BAD if r.failed else svg.WARN if r.warned else svg.GOOD


def _rates_card(rates: PassRates) -> str:
    latest = rates.runs[-1]
    points = [svg.Point(r.pass_rate, _run_tooltip(r), _rate_color(r)) for r in rates.runs]
    shown = "no check ran" if latest.pass_rate is None else f"{latest.pass_rate:.0%} passed"
    chart = svg.line_chart(
        points,
        f"Pass rate of {rates.name} over its last {len(rates.runs)} runs",
        x_labels=(_when(rates.runs[0].started_at), _when(latest.started_at)),
    )
    return (
        f'<div class="card"><h3>{_e(rates.name)}</h3><div class="sub">latest run: '
        f"{_e(shown)} ({latest.passed} passed, {latest.warned} warned, "
        f"{latest.failed} failed, {latest.blocked} blocked)</div>{chart}</div>"
    )


def _rates(title: str, lead: str, rates: Sequence[PassRates]) -> str:
    cards = "".join(_rates_card(r) for r in rates if r.runs)
    lead += f" A dot per run: {LEGEND}."
    return _section(title, lead, f'<div class="grid">{cards}</div>', not cards)


def _tiles(card: Scorecard) -> str:
    latest_failed = sum(r.runs[-1].failed for r in card.by_asset if r.runs)
    fresh = sum(f.fresh for f in card.freshness)
    tiles = [
        (f"{fresh} of {len(card.freshness)}", "sources fresh"),
        (str(latest_failed), "checks failing in each asset's latest run"),
        (str(sum(q.rows for q in card.quarantine)), "rows in quarantine"),
        (str(card.pending_reviews), "labels awaiting review"),
    ]
    return (
        '<div class="tiles">'
        + "".join(f'<div class="tile"><b>{_e(v)}</b>{_e(k)}</div>' for v, k in tiles)
        + "</div>"
    )


def _description(text: str) -> str:
    shown = text if len(text) <= DESCRIPTION_SHOWN else text[: DESCRIPTION_SHOWN - 1] + "\u2026"
    return f'<div class="sub" title="{_e(text)}">{_e(shown)}</div>'


def _worst(card: Scorecard) -> str:
    rows = [
        [
            f"<code>{_e(w.asset)}</code>",
            f"<code>{_e(w.check_name)}</code>{_description(w.description)}",
            f"{w.failures} of {w.evaluations}",
            "" if w.worst_percent is None else f"{w.worst_percent:.2f} %",
            _status(w.latest_status),
        ]
        for w in card.worst
    ]
    table = _table(["Asset", "Check", "Failed", "Worst unexpected", "Latest"], rows, {2, 3})
    lead = f"Checks that failed most often in their asset's last {card.runs} runs."
    return _section("Worst expectations", lead, table, not rows, "No check has failed.")


def _trends(card: Scorecard) -> str:
    rows = []
    for t in card.trends:
        values = [p for _, p in t.points]
        label = f"Unexpected percent of {t.asset}.{t.check_name}, oldest to newest"
        rows.append(
            [
                f"<code>{_e(t.asset)}</code>",
                f"<code>{_e(t.check_name)}</code>",
                svg.sparkline(values, label),
                f"{values[-1]:.2f} %",
                f"{max(values):.2f} %",
                str(len(values)),
            ]
        )
    lead = "Share of unexpected values per check across runs (each line scaled to its own peak)."
    if card.flat_checks:
        lead += f" {card.flat_checks} other checks found no unexpected value and are not drawn."
    table = _table(["Asset", "Check", "Trend", "Latest", "Peak", "Runs"], rows, {3, 4, 5})
    return _section("Trends of unexpected values", lead, table, not rows)


def _freshness(card: Scorecard) -> str:
    rows = [
        [
            f"<code>{_e(f.source)}</code>",
            _e(_when(f.latest_delivery)),
            _e(_when(f.arrived_at)),
            "" if f.lag_days is None else f"{f.lag_days} d",
            f"{f.allowed_days} d",
            '<span class="ok">fresh</span>' if f.fresh else '<span class="bad">late</span>',
        ]
        for f in card.freshness
    ]
    headers = ["Source", "Latest published delivery", "Arrived", "Behind", "Allowed", "State"]
    table = _table(headers, rows, {3, 4})
    lead = "Newest published delivery per source, against the newest delivery of any source."
    empty = all(f.latest_delivery is None for f in card.freshness)
    return _section("Freshness", lead, table, empty, "No runs yet: nothing delivered.")


def _blocked(card: Scorecard, links: _Links) -> str:
    rows = [
        [
            _e(_when(b.at)),
            f"<code>{_e(b.asset)}</code>",
            _e(b.what),
            _e(b.cause),
            links.run(b.run_id),
        ]
        for b in card.blocked
    ]
    table = _table(["When", "Asset", "Blocked", "Because", "Run"], rows, set())
    lead = (
        "Checks that did not run because a blocking check upstream failed, and held publications."
    )
    return _section("Blocked and held", lead, table, not rows, "Nothing was blocked.")


def _quarantine(card: Scorecard) -> str:
    rows = [
        [
            f"<code>{_e(q.asset)}</code>",
            _e(_when(q.delivery_date)),
            str(q.rows),
            _e(", ".join(q.failed_checks)),
            _e(_when(q.since)),
        ]
        for q in card.quarantine
    ]
    table = _table(["Asset", "Delivery", "Rows", "Failed checks", "Since"], rows, {2})
    lead = "Rows kept out of published tables and not released."
    return _section("Open quarantine", lead, table, not rows, "No row is in quarantine.")


def _reviews(card: Scorecard) -> str:
    rows = [
        [
            f"<code>{_e(i.asset)}</code>",
            f"<code>{_e(i.item_id)}</code>",
            _e(i.given_label),
            _e(i.suggested_label),
            f"{i.confidence:.3f}",
            str(i.times_flagged),
        ]
        for i in card.review_items
    ]
    headers = ["Asset", "Item", "Labelled", "Looks like", "Confidence", "Flagged"]
    table = _table(headers, rows, {4, 5})
    lead = (
        f"{card.pending_reviews} items pending (dq-pipelines review list); "
        "the least confident first."
    )
    return _section("Label review queue", lead, table, not rows, "Nothing awaits review.")


_STATUS_COLOR = {"champion": svg.GOOD, "challenger": svg.WARN, "retired": svg.MUTED}


def _trend_chart(m: ModelCard, trend: MetricTrend) -> str:
    points = [
        svg.Point(
            v.value,
            f"{v.model_version} ({v.status}): {trend.metric} "
            + ("not measured" if v.value is None else f"{v.value:.3f}")
            + (f" - {v.status_reason}" if v.status_reason else ""),
            _STATUS_COLOR.get(v.status, svg.INK),
        )
        for v in trend.versions
    ]
    ticks = ((0.0, "0"), (0.5, "0.5"), (1.0, "1"))
    first, last = trend.versions[0].model_version, trend.versions[-1].model_version
    return f'<div class="sub">{_e(trend.metric)} by version</div>' + svg.line_chart(
        points,
        f"{m.model_asset} {trend.metric} by version",
        y_ticks=ticks,
        x_labels=(first, last) if len(points) > 1 else ("", first),
        width=360,
    )


def _model(m: ModelCard) -> str:
    overall = " · ".join(f"{_e(k)} <b>{v:.3f}</b>" for k, v in m.overall) or "not evaluated yet"
    measured = [t for t in m.trends if any(v.value is not None for v in t.versions)]
    charts = [_trend_chart(m, t) for t in measured]
    for metric in sorted({k for k, _, _ in m.per_label}):
        items = [(label, v) for k, label, v in m.per_label if k == metric]
        charts.append(
            f'<div class="sub">{_e(metric)} per label</div>'
            + svg.bar_chart(items, f"{m.model_asset} {metric} per label")
        )
    return (
        f'<div class="card"><h3>{_e(m.model_asset)}</h3><div class="sub">{_e(m.status)} '
        f"<code>{_e(m.model_version)}</code>, trained {_e(_when(m.trained_at))} on "
        f"{m.training_rows:,} rows</div><p>{overall}</p>{''.join(charts)}</div>"
    )


def _models(card: Scorecard) -> str:
    cards = "".join(_model(m) for m in card.models)
    lead = (
        "The version of each model in service (its champion) and its evaluation; the metrics "
        "its promotion compares, by version (green: champion, amber: challenger kept out, "
        "grey: retired; hover a dot for the reason)."
    )
    grid = f'<div class="grid">{cards}</div>'
    return _section("Current models", lead, grid, not cards, "No model trained yet.")


def render(card: Scorecard, dagster_url: str | None = None) -> str:
    """The whole page."""
    links = _Links(dagster_url)
    window = f"the last {card.runs} runs"
    body = [
        "<h1>Data quality scorecard</h1>",
        f'<p class="lead">Generated {_e(_when(card.generated_at))} UTC; pass rates over '
        f"{_e(window)} of each asset.</p>",
        _tiles(card),
        _rates("Pass rate by source", f"Checks of each source's assets, {window}.", card.by_source),
        _rates(
            "Pass rate by asset",
            f"Share of the checks that ran and passed, {window}.",
            card.by_asset,
        ),
        _worst(card),
        _trends(card),
        _freshness(card),
        _blocked(card, links),
        _quarantine(card),
        _reviews(card),
        _models(card),
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Data quality scorecard</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )
