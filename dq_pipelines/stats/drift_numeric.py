"""Distribution-shift statistics on numbers: PSI on reference-quantile bins and two-sample KS.

Pure numpy/scipy on float arrays without nulls; `drift.py` picks the options and judges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class NumericShift:
    """PSI and the two-sample KS test of one numeric column (plain Python numbers)."""

    psi: float
    ks_statistic: float
    ks_p_value: float
    ks_rows_used: int  # per side, after sampling


def quantile_edges(reference: np.ndarray, bins: int) -> np.ndarray:
    """The interior bin edges: the reference's 1/bins, 2/bins, ... quantiles, deduplicated.

    Ties (discrete data) merge bins, so a column of a few distinct values gets about one bin per
    value. The outer bins are open (-inf, first edge) and [last edge, inf): current values
    outside the reference's range still land in a bin.
    """
    finite = reference[np.isfinite(reference)]
    if finite.size == 0:
        return np.empty(0)
    return np.unique(np.quantile(finite, np.linspace(0.0, 1.0, bins + 1)[1:-1]))


def bin_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of `values` in each bin; a value equal to an edge belongs to the bin above it."""
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=edges.size + 1)
    return counts / max(values.size, 1)


def psi_from_shares(reference: np.ndarray, current: np.ndarray, epsilon: float) -> float:
    """Population stability index sum((c - r) * ln(c / r)) over bins.

    A share of 0 (an empty bin) is raised to `epsilon` on that side only, so ln stays finite and
    a bin empty on both sides adds exactly 0. The shares are not renormalised afterwards.
    """
    ref = np.maximum(reference, epsilon)
    cur = np.maximum(current, epsilon)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def psi(reference: np.ndarray, current: np.ndarray, bins: int = 10, epsilon: float = 1e-4) -> float:
    """PSI of `current` against `reference` on `bins` bins cut at the reference's quantiles."""
    edges = quantile_edges(reference, bins)
    return psi_from_shares(bin_shares(reference, edges), bin_shares(current, edges), epsilon)


def sample_positions(rows: int, max_rows: int, rng: np.random.Generator) -> np.ndarray | None:
    """Sorted positions of a random sample of `max_rows` of `rows` (None: take them all)."""
    if rows <= max_rows:
        return None
    return np.sort(rng.choice(rows, size=max_rows, replace=False, shuffle=False))


def sample(values: np.ndarray, max_rows: int, rng: np.random.Generator) -> np.ndarray:
    """At most `max_rows` of `values`, drawn without replacement (all of them if fewer)."""
    positions = sample_positions(values.size, max_rows, rng)
    return values if positions is None else values[positions]


def numeric_shift(
    reference: np.ndarray,
    current: np.ndarray,
    *,
    bins: int,
    epsilon: float,
    ks_max_rows: int,
    seed: int,
) -> NumericShift:
    """PSI on all rows; KS on a random sample of at most `ks_max_rows` per side.

    KS sorts both samples; sampling bounds its cost at 1M rows and keeps its p-value from
    calling every negligible difference significant only because the sample is huge.
    """
    rng = np.random.default_rng(seed)
    ref_ks = sample(reference, ks_max_rows, rng)
    cur_ks = sample(current, ks_max_rows, rng)
    ks = stats.ks_2samp(ref_ks, cur_ks, method="asymp")
    return NumericShift(
        psi=psi(reference, current, bins, epsilon),
        ks_statistic=float(ks.statistic),
        ks_p_value=float(ks.pvalue),
        ks_rows_used=int(min(ref_ks.size, cur_ks.size)),
    )
