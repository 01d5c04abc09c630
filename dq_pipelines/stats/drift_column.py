"""Drift of one column: its kind, the statistics of that kind, the decision and its summary.

The decision rule is explained in `drift.py`; every default is in DEFAULTS below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dq_pipelines.stats.drift_categorical import categorical_shift
from dq_pipelines.stats.drift_numeric import numeric_shift, sample_positions
from dq_pipelines.stats.drift_text import mean_tokens, text_shift

# Every default of the drift statistics, overridable per call (`options`) and per column
# (`overrides` in `detect_drift`, only the keys in COLUMN_KEYS).
DEFAULTS: Mapping[str, Any] = {
    # Statistic judged per kind, and its threshold (drifted when value > threshold).
    "statistic": {"numeric": "psi", "categorical": "js", "text": "js"},
    "threshold": {"psi": 0.2, "ks": 0.1, "js": 0.1},
    "length_threshold": 0.2,  # text: PSI of tokens per value
    # False-positive rate allowed (significance level of the KS / chi-squared gate; 1 = no
    # gate): per column in `column_drift`; `detect_drift` splits it evenly over the compared
    # columns (Bonferroni) unless a column overrides it, so it bounds the table's rate.
    "alpha": 0.05,
    "bins": 10,  # PSI bins (reference deciles)
    "epsilon": 1e-4,  # share given to an empty PSI bin (on that side only)
    "ks_max_rows": 100_000,  # KS on a random sample of at most this many rows per side
    "text_max_rows": 50_000,  # text signals on a random sample of at most this many values
    "max_categories": 1_000,  # categories beyond the most frequent are pooled in `__other__`
    "max_terms": 2_000,  # the same for the vocabulary of a text column
    "min_expected": 5.0,  # chi-squared: categories expected fewer times are pooled
    "top_terms": 10,  # terms gained and lost reported per text column
    "text_min_mean_tokens": 3.0,  # inference: a string column with more tokens per value is text
    "infer_sample_rows": 1_000,  # values read to infer a string column's kind
    "seed": 0,  # every random sample (deterministic results)
}
KINDS = ("numeric", "categorical", "text")
STATISTICS: Mapping[str, tuple[str, ...]] = {
    "numeric": ("psi", "ks"),
    "categorical": ("js", "psi"),
    "text": ("js",),  # JS distance of the token shares; the length PSI is judged beside it
}
COLUMN_KEYS = frozenset({"kind", "statistic", "threshold", "alpha", "length_threshold"})
TESTS = {"numeric": "ks", "categorical": "chi2", "text": "chi2"}
NAMES = {"psi": "PSI", "ks": "KS statistic", "js": "JS distance"}


@dataclass(frozen=True)
class ColumnDrift:
    """One column's drift: the judged statistic, its threshold and test, and the evidence.

    `value` and `p_value` are None when a side has no non-null values (then the column drifted
    if exactly one side is empty). `extra` holds every other figure of the kind: PSI and KS
    both for numbers, new and vanished categories, the text's length shift and top terms.
    """

    column: str
    kind: str
    statistic: str
    value: float | None
    threshold: float
    p_value: float | None
    test: str  # the test behind p_value: "ks" or "chi2"
    alpha: float
    drifted: bool
    reference_values: int  # non-null values compared
    current_values: int
    reference_null_share: float
    current_null_share: float
    null_share_change: float  # current - reference
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """One line in words."""
        verdict = "drifted" if self.drifted else "no drift"
        nulls = f"nulls {self.reference_null_share:.1%} -> {self.current_null_share:.1%}"
        if self.value is None:
            return f"{self.column} ({self.kind}): {verdict}, no values on one side; {nulls}"
        name = ("vocabulary " if self.kind == "text" else "") + NAMES[self.statistic]
        sign = ">" if self.value > self.threshold else "<="
        line = (
            f"{self.column} ({self.kind}): {verdict}, {name} {self.value:.3g} {sign} "
            f"{self.threshold:g} ({self.test} p={self.p_value:.2g}); {nulls}"
        )
        if self.kind == "text":
            terms = ", ".join(t["term"] for t in self.extra["top_terms_gained"][:3]) or "none"
            lost = ", ".join(t["term"] for t in self.extra["top_terms_lost"][:3]) or "none"
            length, limit = self.extra["length_psi"], self.extra["length_threshold"]
            line += (
                f"; length PSI {length:.3g} {'>' if length > limit else '<='} {limit:g}"
                f"; gained {terms}; lost {lost}"
            )
        return line


def infer_kind(series: pd.Series, options: Mapping[str, Any] = DEFAULTS) -> str | None:
    """numeric / categorical / text from the reference's dtype; None if no statistic fits.

    Booleans and pandas categoricals are categorical, other numbers numeric; a string (object)
    column is text when its values have more than `text_min_mean_tokens` tokens on average (on
    a sample of `infer_sample_rows` values), else categorical. Datetimes and other dtypes give
    None: declare the kind (numeric compares datetimes as epoch seconds).
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        rng = np.random.default_rng(options["seed"])
        positions = sample_positions(len(series), options["infer_sample_rows"], rng)
        values = (series if positions is None else series.iloc[positions]).dropna()
        return "text" if mean_tokens(values) > options["text_min_mean_tokens"] else "categorical"
    return None


def column_drift(
    reference: pd.Series,
    current: pd.Series,
    kind: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> ColumnDrift:
    """Drift of `current` against `reference` (nulls allowed, lengths may differ).

    `options` replaces DEFAULTS; its "statistic" and "threshold" may be plain values for this
    column or the per-kind / per-statistic mappings of DEFAULTS. `kind` None means inferred.
    """
    settings = {**DEFAULTS, **(options or {})}
    kind = kind or infer_kind(reference, settings)
    if kind not in KINDS:
        raise ValueError(f"drift of {reference.name!r}: kind {kind!r} is not one of {KINDS}")
    statistic, threshold = _statistic(kind, settings)
    settings.update(statistic=statistic, threshold=threshold)
    rng = np.random.default_rng(settings["seed"])
    (ref_data, ref_count), (cur_data, cur_count) = (
        _prepare(kind, reference, settings, rng),
        _prepare(kind, current, settings, rng),
    )
    base: dict[str, Any] = {
        "column": str(reference.name),
        "kind": kind,
        "statistic": statistic,
        "threshold": threshold,
        "test": TESTS[kind],
        "alpha": float(settings["alpha"]),
        "reference_values": ref_count,
        "current_values": cur_count,
        "reference_null_share": _share(len(reference) - ref_count, len(reference)),
        "current_null_share": _share(len(current) - cur_count, len(current)),
    }
    base["null_share_change"] = base["current_null_share"] - base["reference_null_share"]
    if ref_count == 0 or cur_count == 0:
        drifted = (ref_count == 0) != (cur_count == 0)
        return ColumnDrift(**base, value=None, p_value=None, drifted=drifted)
    measure = {"numeric": _numeric, "categorical": _categorical, "text": _text}[kind]
    value, p_value, drifted, extra = measure(ref_data, cur_data, statistic, settings)
    return ColumnDrift(**base, value=value, p_value=p_value, drifted=drifted, extra=extra)


def _statistic(kind: str, settings: Mapping[str, Any]) -> tuple[str, float]:
    """The column's statistic and threshold: its own, else the kind's default."""
    statistic = settings["statistic"]
    if isinstance(statistic, Mapping):
        statistic = statistic[kind]
    if statistic not in STATISTICS[kind]:
        raise ValueError(f"drift statistic {statistic!r} is not one of {STATISTICS[kind]} ({kind})")
    threshold = settings["threshold"]
    if isinstance(threshold, Mapping):
        threshold = threshold[statistic]
    return statistic, float(threshold)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _exceeds(value: float, threshold: float, p_value: float, alpha: float) -> bool:
    """The rule: a change big enough to matter AND unlikely to be sampling noise."""
    return value > threshold and p_value < alpha


def _prepare(
    kind: str, series: pd.Series, o: Mapping[str, Any], rng: np.random.Generator
) -> tuple[Any, int]:
    """The non-null data a kind measures, and how many non-null values the column has.

    Nulls are found once per side (finding them in 1M strings costs more than counting them);
    text is sampled to `text_max_rows` among the non-null positions, without copying the rest.
    """
    if kind == "numeric":
        floats = _as_floats(series)
        floats = floats[~np.isnan(floats)]
        return floats, floats.size
    if kind == "categorical":
        counts = series.value_counts(dropna=False)  # then drop the null keys: 3x faster
        counts = counts[counts.index.notna()]
        return counts, int(counts.sum())
    present = np.flatnonzero(series.notna().to_numpy())
    picked = sample_positions(present.size, o["text_max_rows"], rng)
    return series.iloc[present if picked is None else present[picked]], present.size


def _as_floats(values: pd.Series) -> np.ndarray:
    """The values as floats, nulls as NaN (datetimes as epoch seconds)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = values.to_numpy(dtype="datetime64[ns]")
        return np.where(np.isnat(stamps), np.nan, stamps.astype("int64") / 1e9)
    try:
        return values.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as error:
        raise ValueError(f"drift of {values.name!r}: kind numeric but {error}") from error


def _numeric(
    ref_floats: np.ndarray, cur_floats: np.ndarray, statistic: str, o: Mapping[str, Any]
) -> tuple:
    shift = numeric_shift(
        ref_floats,
        cur_floats,
        bins=o["bins"],
        epsilon=o["epsilon"],
        ks_max_rows=o["ks_max_rows"],
        seed=o["seed"],
    )
    value = shift.psi if statistic == "psi" else shift.ks_statistic
    extra = {
        "psi": shift.psi,
        "ks_statistic": shift.ks_statistic,
        "ks_p_value": shift.ks_p_value,
        "ks_rows_used": shift.ks_rows_used,
        "reference_mean": float(np.mean(ref_floats)),
        "current_mean": float(np.mean(cur_floats)),
    }
    drifted = _exceeds(value, o["threshold"], shift.ks_p_value, o["alpha"])
    return value, shift.ks_p_value, drifted, extra


def _categorical(
    ref_counts: pd.Series, cur_counts: pd.Series, statistic: str, o: Mapping[str, Any]
) -> tuple:
    shift = categorical_shift(
        ref_counts,
        cur_counts,
        max_categories=o["max_categories"],
        epsilon=o["epsilon"],
        min_expected=o["min_expected"],
    )
    value = shift.js_distance if statistic == "js" else shift.psi
    extra = {
        "js_distance": shift.js_distance,
        "psi": shift.psi,
        "chi2": shift.chi2,
        "dof": shift.dof,
        "categories": shift.categories,
        "new_categories": shift.new_categories,
        "vanished_categories": shift.vanished_categories,
    }
    drifted = _exceeds(value, o["threshold"], shift.chi2_p_value, o["alpha"])
    return value, shift.chi2_p_value, drifted, extra


def _text(
    ref_sample: pd.Series, cur_sample: pd.Series, statistic: str, o: Mapping[str, Any]
) -> tuple:
    shift = text_shift(
        ref_sample,
        cur_sample,
        bins=o["bins"],
        epsilon=o["epsilon"],
        ks_max_rows=o["ks_max_rows"],
        max_terms=o["max_terms"],
        top_terms=o["top_terms"],
        min_expected=o["min_expected"],
        seed=o["seed"],
    )
    vocabulary, length = shift.vocabulary, shift.length
    alpha = o["alpha"] / 2  # two tests: the column's false-positive rate stays <= alpha
    vocabulary_drifted = _exceeds(
        vocabulary.js_distance, o["threshold"], vocabulary.chi2_p_value, alpha
    )
    length_drifted = _exceeds(length.psi, o["length_threshold"], length.ks_p_value, alpha)
    extra = {
        "vocabulary_drifted": vocabulary_drifted,
        "length_drifted": length_drifted,
        "length_psi": length.psi,
        "length_threshold": float(o["length_threshold"]),
        "length_ks_statistic": length.ks_statistic,
        "length_ks_p_value": length.ks_p_value,
        "mean_tokens_reference": shift.mean_tokens_reference,
        "mean_tokens_current": shift.mean_tokens_current,
        "top_terms_gained": shift.top_terms_gained,
        "top_terms_lost": shift.top_terms_lost,
        "new_terms": vocabulary.new_categories,
        "vocabulary_design_effect": shift.design_effect,
        "sampled_values": int(max(len(ref_sample), len(cur_sample))),
    }
    value = vocabulary.js_distance
    return value, vocabulary.chi2_p_value, vocabulary_drifted or length_drifted, extra
