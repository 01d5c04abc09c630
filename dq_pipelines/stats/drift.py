"""Drift between a reference table (e.g. the champion model's training set) and a current one.

Per column, by kind:

- numeric: PSI on `bins` bins cut at the reference's quantiles, and the two-sample KS test;
- categorical: Jensen-Shannon distance (base 2) of the category shares, and the chi-squared test
  of the 2 x k frequency table (categories unseen in the reference are a column of their own);
- text: vocabulary shift (JS distance of token shares, chi-squared test, top terms gained and
  lost) and length shift (PSI and KS on tokens per value).

The decision rule (defaults in DEFAULTS): a column drifts when its statistic exceeds the
threshold AND the matching test rejects "same distribution" at level alpha (KS for PSI or KS,
chi-squared for JS or categorical PSI). The threshold asks for a change big enough to matter,
whatever the sample size: at 1M rows every KS p-value is tiny, so the p-value alone would flag
everything. The test guards small samples, where PSI and JS are noisy and biased upward (at 1k
rows a fresh sample of the same distribution often exceeds the thresholds): such a sample
passes the test with probability 1 - alpha, so a column's false-positive rate is at most alpha,
whatever the threshold. `detect_drift` gives each of its n compared columns alpha / n
(Bonferroni), so the rate of flagging ANY column of a same-distribution table is at most alpha
(5%). Text drifts when its vocabulary or its length distribution drifts by that rule (each
test at alpha / 2); its vocabulary test is made conservative for tokens clustered in values
(see `drift_text.py`). Nulls are left out of every distribution; each column reports its null
shares and their change (not judged: a null-share check is the suites' business). Set `alpha`
to 1 for the thresholds alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dq_pipelines.stats.drift_column import (
    COLUMN_KEYS,
    DEFAULTS,
    KINDS,
    ColumnDrift,
    column_drift,
    infer_kind,
)

__all__ = ["DEFAULTS", "ColumnDrift", "DriftReport", "column_drift", "detect_drift", "infer_kind"]


@dataclass(frozen=True)
class DriftReport:
    """Drift of every compared column, in the reference's column order."""

    columns: tuple[ColumnDrift, ...]
    drifted_columns: tuple[str, ...]
    share_drifted: float  # drifted / compared (0 when nothing was compared)
    reference_rows: int
    current_rows: int
    skipped: dict[str, str] = field(default_factory=dict)  # column -> why it was not compared
    missing_in_current: tuple[str, ...] = ()
    new_in_current: tuple[str, ...] = ()

    def column(self, name: str) -> ColumnDrift:
        """The result of one column (KeyError if it was not compared)."""
        for result in self.columns:
            if result.column == name:
                return result
        raise KeyError(name)

    def metadata(self) -> dict[str, float | int]:
        """Flat numeric figures, e.g. for Dagster metadata: share, counts, per-column values."""
        figures: dict[str, float | int] = {
            "share_drifted": self.share_drifted,
            "drifted_columns": len(self.drifted_columns),
            "compared_columns": len(self.columns),
        }
        for result in self.columns:
            if result.value is not None:
                figures[f"{result.column}.{result.statistic}"] = result.value
            figures[f"{result.column}.threshold"] = result.threshold
            if result.p_value is not None:
                figures[f"{result.column}.p_value"] = result.p_value
        return figures

    def summary(self) -> str:
        """One line in words."""
        compared = len(self.columns)
        if not self.drifted_columns:
            rows = f"{self.current_rows:,} rows vs {self.reference_rows:,}"
            return f"No drift in {compared} columns ({rows})."
        return (
            f"{len(self.drifted_columns)} of {compared} columns drifted "
            f"({self.share_drifted:.0%}): {', '.join(self.drifted_columns)}."
        )


def detect_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    kinds: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    ignore: Iterable[str] = (),
    options: Mapping[str, Any] | None = None,
) -> DriftReport:
    """Compare every reference column present in `current` (ignored ones excepted).

    `kinds` and `overrides` ({"price": {"threshold": 0.3}, "title": {"kind": "text"}}) name
    columns; `options` replaces DEFAULTS for all of them. Kinds not given are inferred by
    `infer_kind`; a column of another dtype (datetime, ...) is skipped with the reason.
    The two tables may have different lengths. Raises ValueError when either table has no rows
    (nothing to compare is an error, not a pass), when a column named in `kinds`, `overrides` or
    `ignore` is not in the reference, or on an unknown kind, statistic or override key.
    """
    if len(reference) == 0 or len(current) == 0:
        side = "reference" if len(reference) == 0 else "current"
        raise ValueError(f"drift: the {side} table has no rows; nothing to compare")
    settings = {**DEFAULTS, **(options or {})}
    planned, skipped = {}, {}
    for name, own in _per_column(reference, kinds or {}, overrides or {}, set(ignore)).items():
        if name not in current.columns:
            continue
        kind = own.pop("kind", None) or infer_kind(reference[name], settings)
        if kind is None:
            skipped[name] = f"dtype {reference[name].dtype} has no drift statistic"
        else:
            planned[name] = (kind, own)
    alpha = settings["alpha"] / max(len(planned), 1)  # Bonferroni: the table's rate <= alpha
    results = [
        column_drift(reference[name], current[name], kind, {**settings, "alpha": alpha, **own})
        for name, (kind, own) in planned.items()
    ]
    drifted = tuple(r.column for r in results if r.drifted)
    return DriftReport(
        columns=tuple(results),
        drifted_columns=drifted,
        share_drifted=len(drifted) / len(results) if results else 0.0,
        reference_rows=len(reference),
        current_rows=len(current),
        skipped=skipped,
        missing_in_current=tuple(c for c in reference.columns if c not in current.columns),
        new_in_current=tuple(c for c in current.columns if c not in reference.columns),
    )


def _per_column(
    reference: pd.DataFrame,
    kinds: Mapping[str, str],
    overrides: Mapping[str, Mapping[str, Any]],
    ignore: set[str],
) -> dict[str, dict[str, Any]]:
    """Each compared column's own options (kind and overrides), after checking every name."""
    for what, names in (("kinds", kinds), ("overrides", overrides), ("ignore", ignore)):
        unknown = sorted(set(names) - set(reference.columns))
        if unknown:
            raise ValueError(f"drift {what}: no column {unknown} in the reference table")
    per_column: dict[str, dict[str, Any]] = {}
    for name in reference.columns:
        if name in ignore:
            continue
        own = dict(overrides.get(name, {}))
        bad = sorted(set(own) - COLUMN_KEYS)
        if bad:
            raise ValueError(f"drift override of {name!r}: unknown keys {bad}")
        if name in kinds:
            own.setdefault("kind", kinds[name])
        if own.get("kind") is not None and own["kind"] not in KINDS:
            raise ValueError(f"drift kind of {name!r}: {own['kind']!r} is not one of {KINDS}")
        per_column[name] = own
    return per_column
