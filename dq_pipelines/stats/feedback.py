"""Search feedback statistics: CTR by rank, daily CTR and explicit feedback, and the CTR-drop test.

The feedback table has one row per impression: query, product_id, rank, clicked (0/1), thumbs
('up', 'down' or empty) and event_at (dq_pipelines/contracts/feedback.yaml); when it also has a
`model_version` column, every figure is given per model version.

The CTR-drop test fires only when both hold: the current window's CTR is below the baseline's
by more than the declared relative amount, AND a one-sided two-proportion z-test says such a
fall is unlikely by chance given both windows' impressions (and each window has at least
`min_impressions`). So a drop seen on a handful of impressions does not alarm.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from scipy.stats import norm

VERSION_COLUMN = "model_version"
_REQUIRED = ("rank", "clicked", "thumbs", "event_at")


def _impressions(feedback: pd.DataFrame) -> pd.DataFrame:
    """The columns the statistics need, typed: clicked as 0/1, thumbs as up/down flags."""
    if missing := [c for c in _REQUIRED if c not in feedback.columns]:
        raise ValueError(f"feedback lacks column(s) {missing}")
    thumbs = feedback["thumbs"].fillna("").astype(str).str.lower()
    out = pd.DataFrame(
        {
            "rank": feedback["rank"].astype(int),
            "clicked": (feedback["clicked"].fillna(0).astype(int) > 0).astype(int),
            "up": (thumbs == "up").astype(int),
            "down": (thumbs == "down").astype(int),
            "day": pd.to_datetime(feedback["event_at"]).dt.floor("D"),
        }
    )
    if VERSION_COLUMN in feedback.columns:
        out[VERSION_COLUMN] = feedback[VERSION_COLUMN].astype(str)
    return out


def _by_version(rows: pd.DataFrame) -> list[str]:
    return [VERSION_COLUMN] if VERSION_COLUMN in rows.columns else []


def ctr_by_rank(feedback: pd.DataFrame) -> pd.DataFrame:
    """Impressions, clicks and CTR per rank (position bias: CTR should fall with rank)."""
    rows = _impressions(feedback)
    keys = [*_by_version(rows), "rank"]
    out = rows.groupby(keys, sort=True).agg(
        impressions=("clicked", "size"), clicks=("clicked", "sum")
    )
    out["ctr"] = out["clicks"] / out["impressions"]
    return out.reset_index()


def daily_feedback(feedback: pd.DataFrame) -> pd.DataFrame:
    """Per day: impressions, clicks, CTR, thumbs up/down, the explicit-feedback ratio (share of
    impressions given a thumbs) and the share of thumbs that are up (NaN on a day without)."""
    rows = _impressions(feedback)
    keys = ["day", *_by_version(rows)]
    out = rows.groupby(keys, sort=True).agg(
        impressions=("clicked", "size"),
        clicks=("clicked", "sum"),
        thumbs_up=("up", "sum"),
        thumbs_down=("down", "sum"),
    )
    explicit = out["thumbs_up"] + out["thumbs_down"]
    out["ctr"] = out["clicks"] / out["impressions"]
    out["explicit_ratio"] = explicit / out["impressions"]
    out["up_ratio"] = out["thumbs_up"] / explicit.where(explicit > 0)
    return out.reset_index()


@dataclass(frozen=True)
class CtrDrop:
    """What a CTR-drop check reports: both windows, the drop, its p-value and the verdict."""

    fired: bool
    current_ctr: float
    baseline_ctr: float
    current_impressions: int
    baseline_impressions: int
    relative_drop: float
    max_relative_drop: float
    p_value: float
    alpha: float
    min_impressions: int
    summary: str


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def ctr_drop_test(
    current: tuple[int, int],
    baseline: tuple[int, int],
    *,
    max_relative_drop: float,
    alpha: float = 0.01,
    min_impressions: int = 1000,
) -> CtrDrop:
    """Judge the current window's (clicks, impressions) against the baseline window's."""
    (c_clicks, c_n), (b_clicks, b_n) = current, baseline
    for clicks, n in (current, baseline):
        if n < 0 or not 0 <= clicks <= n:
            raise ValueError(f"clicks must be between 0 and impressions, got {clicks} of {n}")
    if not 0 < max_relative_drop < 1 or not 0 < alpha < 1:
        raise ValueError("max_relative_drop and alpha must be between 0 and 1")
    if min_impressions < 0:
        raise ValueError(f"min_impressions must not be negative, not {min_impressions}")
    c_ctr, b_ctr = c_clicks / c_n if c_n else 0.0, b_clicks / b_n if b_n else 0.0
    drop = (b_ctr - c_ctr) / b_ctr if b_ctr > 0 else 0.0
    pooled = (c_clicks + b_clicks) / (c_n + b_n) if c_n + b_n else 0.0
    se = np.sqrt(pooled * (1 - pooled) * (1 / max(c_n, 1) + 1 / max(b_n, 1)))
    p_value = float(norm.sf((b_ctr - c_ctr) / se)) if se > 0 else 1.0
    few = min(c_n, b_n) < min_impressions
    fired = not few and drop > max_relative_drop and p_value < alpha
    seen = (
        f"CTR {_pct(c_ctr)} on {c_n:,} impressions against {_pct(b_ctr)} on {b_n:,} in the "
        f"baseline window ({_pct(drop)} relative drop, one-sided p = {p_value:.2g})"
    )
    if few:
        verdict = f"too few impressions to judge (at least {min_impressions:,} per window)"
    elif drop <= max_relative_drop:
        verdict = f"within the {_pct(max_relative_drop)} allowed"
    elif not fired:
        verdict = f"beyond {_pct(max_relative_drop)} but not significant (p >= {alpha:g})"
    else:
        verdict = f"a significant drop beyond the {_pct(max_relative_drop)} allowed"
    return CtrDrop(
        fired=fired,
        current_ctr=c_ctr,
        baseline_ctr=b_ctr,
        current_impressions=c_n,
        baseline_impressions=b_n,
        relative_drop=drop,
        max_relative_drop=max_relative_drop,
        p_value=p_value,
        alpha=alpha,
        min_impressions=min_impressions,
        summary=f"{seen}: {verdict}",
    )


def window_counts(feedback: pd.DataFrame, start: datetime, end: datetime) -> tuple[int, int]:
    """(clicks, impressions) of the impressions with start <= event_at < end."""
    return _counts(*_times_and_clicks(feedback), start, end)


def _times_and_clicks(feedback: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    at = pd.to_datetime(feedback["event_at"]).to_numpy()
    return at, feedback["clicked"].fillna(0).to_numpy(dtype=float) > 0


def _counts(at: np.ndarray, clicked: np.ndarray, start: datetime, end: datetime) -> tuple[int, int]:
    inside = (at >= np.datetime64(start)) & (at < np.datetime64(end))
    return int(clicked[inside].sum()), int(inside.sum())


def ctr_drop_in_windows(
    feedback: pd.DataFrame,
    end: datetime,
    *,
    current_days: int = 1,
    baseline_days: int = 7,
    max_relative_drop: float,
    alpha: float = 0.01,
    min_impressions: int = 1000,
) -> CtrDrop:
    """The last `current_days` before `end` against the `baseline_days` before them."""
    if current_days < 1 or baseline_days < 1:
        raise ValueError("current_days and baseline_days must be at least 1")
    split = end - timedelta(days=current_days)
    at, clicked = _times_and_clicks(feedback)
    current = _counts(at, clicked, split, end)
    baseline = _counts(at, clicked, split - timedelta(days=baseline_days), split)
    return ctr_drop_test(
        current,
        baseline,
        max_relative_drop=max_relative_drop,
        alpha=alpha,
        min_impressions=min_impressions,
    )
