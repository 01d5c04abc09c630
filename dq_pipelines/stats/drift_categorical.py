"""Distribution-shift statistics on categories (and on token counts): Jensen-Shannon distance,
the chi-squared test of the 2 x k frequency table, and PSI on the same table.

Pure pandas/scipy on frequency tables; `drift.py` picks the options and judges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

from dq_pipelines.stats.drift_numeric import psi_from_shares

OTHER = "__other__"  # the bucket for categories beyond `max_categories`


@dataclass(frozen=True)
class CategoricalShift:
    """JS distance, chi-squared test and PSI of two frequency tables (plain Python numbers)."""

    js_distance: float
    psi: float
    chi2: float
    chi2_p_value: float
    dof: int
    categories: int  # compared, `__other__` included
    new_categories: list[str]  # in current, absent from the reference (most frequent first)
    vanished_categories: list[str]  # in the reference, absent from current


def count_table(ref_counts: pd.Series, cur_counts: pd.Series, max_categories: int) -> pd.DataFrame:
    """Two count Series (category -> count) as one table with columns `ref` and `cur`.

    Categories are the union of both sides, so one unseen in the reference has ref = 0. Beyond
    the `max_categories` most frequent (shares of both sides added), the rest are summed into
    `__other__`: it keeps the chi-squared test away from thousands of near-empty cells and
    bounds the cost.
    """
    table = pd.concat([ref_counts, cur_counts], axis=1, keys=["ref", "cur"]).fillna(0)
    table.index = table.index.map(str)
    if len(table) > max_categories:
        weight = table["ref"] / max(table["ref"].sum(), 1) + table["cur"] / max(
            table["cur"].sum(), 1
        )
        keep = weight.sort_values(ascending=False).index[:max_categories]
        rest = table.drop(index=keep).sum()
        table = pd.concat([table.loc[keep], rest.to_frame(OTHER).T])
    return table


def js_distance(ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    """Jensen-Shannon distance (base 2: 0 = same shares, 1 = disjoint) of two count vectors."""
    return float(distance.jensenshannon(ref_counts, cur_counts, base=2))


def chi2_test(
    ref_counts: np.ndarray,
    cur_counts: np.ndarray,
    min_expected: float = 5.0,
    design_effect: float = 1.0,
) -> tuple[float, float, int]:
    """Chi-squared test of homogeneity of the 2 x k table (statistic, p-value, dof).

    Categories empty on both sides are dropped, and those with an expected count under
    `min_expected` on either side are pooled into one (Cochran's rule: with many sparse cells
    the statistic's tail is heavier than chi-squared, and fresh samples of the same distribution
    would be called different far more often than alpha). The statistic is divided by
    `design_effect` (> 1 when the counted items come in clusters, e.g. tokens of one text).
    With a single category left the shares cannot differ: (0, 1, 0).
    """
    observed = np.vstack([ref_counts, cur_counts]).astype(float)
    observed = observed[:, observed.sum(axis=0) > 0]
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / max(observed.sum(), 1)
    sparse = expected.min(axis=0, initial=np.inf) < min_expected
    if sparse.any():
        pooled = observed[:, sparse].sum(axis=1, keepdims=True)
        observed = np.hstack([observed[:, ~sparse], pooled])
    if observed.shape[1] < 2 or (observed.sum(axis=1) == 0).any():
        return 0.0, 1.0, 0
    result = stats.chi2_contingency(observed, correction=False)
    statistic = float(result.statistic) / design_effect
    return statistic, float(stats.chi2.sf(statistic, result.dof)), int(result.dof)


def categorical_shift(
    ref_counts: pd.Series,
    cur_counts: pd.Series,
    *,
    max_categories: int,
    epsilon: float,
    min_expected: float,
    design_effect: float = 1.0,
) -> CategoricalShift:
    """Compare two frequency tables (category -> count, e.g. `Series.value_counts()`)."""
    table = count_table(ref_counts, cur_counts, max_categories)
    ref, cur = table["ref"].to_numpy(float), table["cur"].to_numpy(float)
    chi2, p_value, dof = chi2_test(ref, cur, min_expected, design_effect)
    named = table.drop(index=OTHER, errors="ignore")
    return CategoricalShift(
        js_distance=js_distance(ref, cur),
        psi=psi_from_shares(ref / ref.sum(), cur / cur.sum(), epsilon),
        chi2=chi2,
        chi2_p_value=p_value,
        dof=dof,
        categories=len(table),
        new_categories=_names(named[named["ref"] == 0]["cur"]),
        vanished_categories=_names(named[named["cur"] == 0]["ref"]),
    )


def _names(counts: pd.Series, limit: int = 10) -> list[str]:
    """The `limit` most frequent category names of a count Series."""
    return [str(name) for name in counts.sort_values(ascending=False).index[:limit]]
