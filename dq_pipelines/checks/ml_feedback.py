"""Search feedback watched: the CTR-drop check, and the feedback profile (position bias, daily
CTR and explicit feedback, the judgements feedback gives for evaluation and as weak labels).

Both read the audited feedback table (every day delivered so far) in DuckDB: the CTR-drop check
only counts clicks and impressions per window there; the profile reads the window's impressions
and the distinct clicked or thumbed pairs, not the whole history. The statistics are
stats/feedback.py's and stats/ranking.py's. Windows end at the end of the newest day with
impressions, not at the wall clock, so a re-check of the same table gives the same result.
Neither check shows a value of the search text (a sensitive column): figures only.
"""

from datetime import datetime, timedelta

import dagster as dg
import pandas as pd

from dq_pipelines.checks.gx_runner import CheckOutcome
from dq_pipelines.checks.ml_table import MlAudit
from dq_pipelines.declared.ml_check_schema import CtrDropCheck, FeedbackProfileCheck
from dq_pipelines.declared.ml_checks import MlCheckSpec
from dq_pipelines.stats.feedback import (
    VERSION_COLUMN,
    ctr_by_rank,
    ctr_drop_test,
    daily_feedback,
)
from dq_pipelines.stats.ranking import FeedbackJudgements, judgements_from_feedback
from dq_pipelines.storage.identifiers import quote_identifier as q

_FIGURES_ONLY = {"shows_values_of": []}  # counts and rates: nothing to mask


def _window_end(audit: MlAudit, time_column: str) -> datetime | None:
    """The end of the newest day with impressions (None when the table has none)."""
    row = audit.conn.execute(
        f"select date_trunc('day', max({q(time_column)}::timestamp)) from {audit.table_sql}"
    ).fetchone()
    return None if row is None or row[0] is None else row[0] + timedelta(days=1)


def _window(
    audit: MlAudit, o: CtrDropCheck, start: datetime, end: datetime
) -> tuple[tuple[int, int], list[str]]:
    """(clicks, impressions) shown in [start, end), and the model versions that served them,
    most impressions first (none without a `version_column`): one scan of the window."""
    at = f"{q(o.time_column)}::timestamp"
    version = q(o.version_column) if o.version_column else "null"
    rows = audit.conn.execute(
        f"select {version}, count(*) filter (where coalesce({q(o.clicked_column)}, 0) > 0), "
        f"count(*) from {audit.table_sql} where {at} >= ? and {at} < ? "
        "group by 1 order by 3 desc, 1",
        [start, end],
    ).fetchall()
    counts = (sum(int(r[1]) for r in rows), sum(int(r[2]) for r in rows))
    return counts, [str(v) for v, _, _ in rows if v is not None]


def _served_by(current: list[str], baseline: list[str]) -> str:
    """' Served by X (baseline: Y).' when the table says which version served what."""
    if not current and not baseline:
        return ""
    return f" Served by {', '.join(current) or 'no logged version'} (baseline: " + (
        f"{', '.join(baseline) or 'no logged version'})."
    )


def ctr_drop(audit: MlAudit, spec: MlCheckSpec) -> CheckOutcome:
    """Fails when the CTR of the latest `current_days` fell by more than `relative_drop` against
    the `baseline_days` before them AND a one-sided two-proportion z-test gives p < `alpha`,
    with at least `min_impressions` in each window (fewer: passes, saying so)."""
    o: CtrDropCheck = spec.options  # type: ignore[assignment]
    end = _window_end(audit, o.time_column)
    if end is None:
        return CheckOutcome(
            spec.name, True, spec.severity, "No impressions yet: nothing to judge.", 0, 0
        )
    split = end - timedelta(days=o.current_days)
    start = split - timedelta(days=o.baseline_days)
    (current, served), (baseline, served_before) = (
        _window(audit, o, split, end),
        _window(audit, o, start, split),
    )
    versions = served, served_before
    test = ctr_drop_test(
        current,
        baseline,
        max_relative_drop=o.relative_drop,
        alpha=o.alpha,
        min_impressions=o.min_impressions,
    )
    return CheckOutcome(
        check_name=spec.name,
        passed=not test.fired,
        severity=spec.severity,
        description=f"{test.summary[:1].upper()}{test.summary[1:]}." + _served_by(*versions),
        observed_value=round(test.relative_drop, 4),
        element_count=test.current_impressions + test.baseline_impressions,
        details={
            **_FIGURES_ONLY,
            "current_ctr": round(test.current_ctr, 5),
            "baseline_ctr": round(test.baseline_ctr, 5),
            "current_impressions": test.current_impressions,
            "baseline_impressions": test.baseline_impressions,
            "current_clicks": current[0],
            "baseline_clicks": baseline[0],
            "relative_drop": round(test.relative_drop, 4),
            "max_relative_drop": o.relative_drop,
            "p_value": float(f"{test.p_value:.4g}"),
            "alpha": o.alpha,
            "min_impressions": o.min_impressions,
            "current_window": f"{split:%Y-%m-%d} to {end - timedelta(days=1):%Y-%m-%d}",
            "baseline_window": f"{start:%Y-%m-%d} to {split - timedelta(days=1):%Y-%m-%d}",
            "summary": test.summary,
            **(
                {"current_versions": served, "baseline_versions": served_before}
                if o.version_column
                else {}
            ),
        },
    )


def _window_rows(audit: MlAudit, o: FeedbackProfileCheck, start: datetime) -> pd.DataFrame:
    """The window's impressions, under the column names stats/feedback.py reads."""
    named = {
        "rank": o.rank_column,
        "clicked": o.clicked_column,
        "thumbs": o.thumbs_column,
        "event_at": o.time_column,
    }
    if o.version_column:
        named[VERSION_COLUMN] = o.version_column
    columns = ", ".join(f"{q(c)} as {q(alias)}" for alias, c in named.items())
    return audit.conn.execute(
        f"select {columns} from {audit.table_sql} where {q(o.time_column)}::timestamp >= ?",
        [start],
    ).df()


def _judged_pairs(audit: MlAudit, o: FeedbackProfileCheck) -> pd.DataFrame:
    """Each distinct (query, product, clicked, thumbs) with a click or a thumbs, whole table:
    all judgements_from_feedback needs, far fewer rows than the impressions."""
    return audit.conn.execute(
        f"select distinct {q(o.query_column)} as query, {q(o.product_column)} as product_id, "
        f"coalesce({q(o.clicked_column)}, 0) as clicked, {q(o.thumbs_column)} as thumbs "
        f"from {audit.table_sql} where coalesce({q(o.clicked_column)}, 0) > 0 "
        f"or nullif(trim({q(o.thumbs_column)}), '') is not null"
    ).df()


def _markdown(frame: pd.DataFrame) -> str:
    """A small markdown table; rates as percentages."""
    cells = frame.copy()
    for column in cells.columns:
        if column in ("ctr", "explicit_ratio", "up_ratio"):
            cells[column] = cells[column].map(lambda x: "" if pd.isna(x) else f"{100 * x:.1f}%")
        elif column == "day":
            cells[column] = pd.to_datetime(cells[column]).dt.strftime("%Y-%m-%d")
    head = "| " + " | ".join(cells.columns) + " |"
    rule = "|" + "---|" * len(cells.columns)
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in cells.itertuples(False)]
    return "\n".join([head, rule, *body])


def _top_ctr(by_rank: pd.DataFrame) -> dict[str, float]:
    """CTR at rank 1, per model version when the table has one (else under 'all')."""
    top = by_rank[by_rank["rank"] == 1]
    keys = top[VERSION_COLUMN] if VERSION_COLUMN in top.columns else ["all"] * len(top)
    return {str(k): round(float(c), 4) for k, c in zip(keys, top["ctr"], strict=True)}


def _said(
    o: FeedbackProfileCheck, daily: pd.DataFrame, top: dict[str, float], judged: FeedbackJudgements
) -> str:
    """The profile in one sentence: overall and rank-1 CTR, and the judgements' volume."""
    impressions = int(daily["impressions"].sum())
    at_top = ", ".join(f"{c:.1%}" + ("" if v == "all" else f" ({v})") for v, c in top.items())
    return (
        f"CTR {daily['clicks'].sum() / impressions:.1%} on {impressions:,} impressions over the "
        f"last {o.window_days} day(s), {at_top} at rank 1; {judged.pairs:,} (query, product) "
        f"pairs usable as judgements ({judged.clicked_pairs:,} clicked, "
        f"{judged.thumbs_up_pairs:,} thumbs up; {judged.thumbs_down_pairs_excluded:,} with a "
        "thumbs down left out)"
    )


def feedback_profile(audit: MlAudit, spec: MlCheckSpec) -> CheckOutcome:
    """Reports CTR by rank, daily CTR and explicit-feedback ratio (per model version when
    declared) over the latest `window_days`, and the pairs usable as judgements and weak
    labels; fails only when CTR at rank 1 is below `min_top_ctr` or the judged pairs are
    fewer than `min_judged_pairs` (each judged only if declared)."""
    o: FeedbackProfileCheck = spec.options  # type: ignore[assignment]
    end = _window_end(audit, o.time_column)
    if end is None:
        return CheckOutcome(
            spec.name, True, spec.severity, "No impressions yet: nothing to profile.", 0, 0
        )
    rows = _window_rows(audit, o, end - timedelta(days=o.window_days))
    by_rank, daily = ctr_by_rank(rows), daily_feedback(rows)
    judged = judgements_from_feedback(_judged_pairs(audit, o))
    top = _top_ctr(by_rank)
    low = [v for v, c in top.items() if o.min_top_ctr is not None and c < o.min_top_ctr]
    few = o.min_judged_pairs is not None and judged.pairs < o.min_judged_pairs
    said = [_said(o, daily, top, judged)]
    if low:
        said.append(f"CTR at rank 1 below the {o.min_top_ctr:.1%} floor")
    if few:
        said.append(f"fewer judged pairs than the {o.min_judged_pairs:,} required")
    explicit = daily["thumbs_up"].sum() + daily["thumbs_down"].sum()
    details = {
        **_FIGURES_ONLY,
        "top_ctr": top,
        "min_top_ctr": o.min_top_ctr,
        "ctr_by_rank": dg.MetadataValue.md(_markdown(by_rank)),
        "daily": dg.MetadataValue.md(_markdown(daily)),
        "explicit_ratio": round(float(explicit / daily["impressions"].sum()), 4),
        "judged_queries": judged.queries,
        "judged_pairs": judged.pairs,
        "clicked_pairs": judged.clicked_pairs,
        "thumbs_up_pairs": judged.thumbs_up_pairs,
        "thumbs_down_pairs_excluded": judged.thumbs_down_pairs_excluded,
        "min_judged_pairs": o.min_judged_pairs,
    }
    return CheckOutcome(
        check_name=spec.name,
        passed=not (low or few),
        severity=spec.severity,
        description="; ".join(said) + ".",
        observed_value=min(top.values()) if top else None,
        element_count=len(rows),
        details={k: v for k, v in details.items() if v is not None},
    )
