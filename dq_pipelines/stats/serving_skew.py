"""Train/serve skew: does the model receive at serving time the features it was trained on?

`serving_skew(training, serving)` compares the two frames feature by feature: every training
column (a training column absent at serving counts as 100% missing there; a serving-only column
is listed but not judged). A feature fails when, at serving, it is

- **mostly missing**: its missing share (null, NaN, empty or whitespace-only text) exceeds the
  training share by more than `max_missing_increase`;
- **constant** while it varies in training, and a same-distribution sample of that size would
  be constant with probability below `max_constant_chance` (the training share of its most
  common value raised to the number of serving values), so a near-constant training flag or a
  tiny serving sample does not fire;
- **of another type**: numeric on one side and text on the other. A text column counts as
  numeric when at least `numeric_share` of its values (of 10,000 sampled, in a longer column)
  parse as numbers ("12.5" is a number);
- **of another length** (text features): the two-sample Kolmogorov-Smirnov statistic on the
  lengths in whitespace tokens (of 50,000 values sampled, in a longer column) exceeds
  `max_length_ks` AND its p-value is below `length_p_value`. The statistic bounds the effect
  (0.2: at some length the two cumulative shares differ by 20 points), the p-value keeps small
  samples from firing on noise.

Every threshold is in `DEFAULT_SKEW_THRESHOLDS` and can be overridden per feature.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

DEFAULT_SKEW_THRESHOLDS: Mapping[str, float] = {
    # Absolute increase of the missing share at serving over training (0.10 = 10 points).
    "max_missing_increase": 0.10,
    # Chance that a same-distribution sample is constant below which "constant" fails.
    "max_constant_chance": 0.01,
    # Share of text values parsing as numbers from which a column counts as numeric.
    "numeric_share": 0.95,
    # KS statistic on text lengths (in tokens) above which, with the p-value below, fails.
    "max_length_ks": 0.20,
    "length_p_value": 0.01,
}

NUMERIC, TEXT, EMPTY = "numeric", "text", "empty"
KIND_SAMPLE = 10_000
LENGTH_SAMPLE = 50_000


@dataclass(frozen=True)
class FeatureSkew:
    """One feature compared between training and serving; `problems` is empty when it passes."""

    feature: str
    training_missing: float
    serving_missing: float
    training_kind: str
    serving_kind: str
    training_distinct: int
    serving_distinct: int
    training_mean_tokens: float | None
    serving_mean_tokens: float | None
    length_ks: float | None
    length_p_value: float | None
    problems: tuple[str, ...]

    @property
    def failed(self) -> bool:
        return bool(self.problems)

    def describe(self) -> str:
        """`description: 2% missing in training, 91% at serving` plus any other problem."""
        rates = (
            f"{self.feature}: {_pct(self.training_missing)} missing in training, "
            f"{_pct(self.serving_missing)} at serving"
        )
        others = [p for p in self.problems if not p.startswith("mostly missing")]
        return " - ".join([rates, *others])


@dataclass(frozen=True)
class ServingSkewResult:
    """Every training feature compared; `failing` names the skewed ones in training order."""

    features: tuple[FeatureSkew, ...]
    failing: tuple[str, ...]
    training_rows: int
    serving_rows: int
    serving_only: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failing

    def summary(self) -> str:
        if not self.failing:
            return (
                f"no skew: {len(self.features)} features match between training "
                f"({self.training_rows} rows) and serving ({self.serving_rows} rows)"
            )
        by_name = {f.feature: f for f in self.features}
        details = "; ".join(by_name[name].describe() for name in self.failing)
        return f"{len(self.failing)} of {len(self.features)} features skewed at serving: {details}"

    def metadata(self) -> dict[str, float | int | str | list[str]]:
        """Flat numbers for a check's metadata (one entry per feature and figure)."""
        meta: dict[str, float | int | str | list[str]] = {
            "training_rows": self.training_rows,
            "serving_rows": self.serving_rows,
            "failing_features": list(self.failing),
            "failing_count": len(self.failing),
        }
        for f in self.features:
            meta[f"{f.feature}.training_missing"] = f.training_missing
            meta[f"{f.feature}.serving_missing"] = f.serving_missing
            if f.length_ks is not None:
                meta[f"{f.feature}.length_ks"] = f.length_ks
            if f.problems:
                meta[f"{f.feature}.problems"] = "; ".join(f.problems)
        return meta


def serving_skew(
    training: pd.DataFrame,
    serving: pd.DataFrame,
    *,
    features: Sequence[str] | None = None,
    overrides: Mapping[str, Mapping[str, float]] | None = None,
) -> ServingSkewResult:
    """Compare `serving` with `training` on `features` (default: every training column).

    `overrides` maps a feature to the thresholds it changes, e.g.
    `{"description": {"max_missing_increase": 0.3}}`; an unknown feature or threshold name is a
    ValueError, so a typo in a checks file does not silently keep the default.
    """
    names = list(training.columns) if features is None else list(features)
    unknown = [n for n in names if n not in training.columns]
    if unknown:
        raise ValueError(f"features not in the training frame: {unknown}")
    limits = _thresholds(names, overrides or {})
    compared = tuple(_compare(name, training, serving, limits[name]) for name in names)
    return ServingSkewResult(
        features=compared,
        failing=tuple(f.feature for f in compared if f.failed),
        training_rows=len(training),
        serving_rows=len(serving),
        serving_only=tuple(str(c) for c in serving.columns if c not in training.columns),
    )


def _thresholds(
    names: list[str], overrides: Mapping[str, Mapping[str, float]]
) -> dict[str, dict[str, float]]:
    stray = sorted(set(overrides) - set(names))
    if stray:
        raise ValueError(f"threshold overrides for features not compared: {stray}")
    for feature, values in overrides.items():
        bad = sorted(set(values) - set(DEFAULT_SKEW_THRESHOLDS))
        if bad:
            raise ValueError(
                f"unknown skew thresholds for {feature!r}: {bad}; "
                f"known: {sorted(DEFAULT_SKEW_THRESHOLDS)}"
            )
    return {n: {**DEFAULT_SKEW_THRESHOLDS, **overrides.get(n, {})} for n in names}


def _compare(
    name: str, training: pd.DataFrame, serving: pd.DataFrame, limits: Mapping[str, float]
) -> FeatureSkew:
    train_values = training[name]
    serve_values = serving[name] if name in serving.columns else pd.Series([], dtype=object)
    train_present = _present(train_values)
    serve_present = _present(serve_values)
    train_missing = _missing_share(len(train_present), len(training))
    serve_missing = _missing_share(len(serve_present), len(serving))
    train_kind = _kind(train_present, limits["numeric_share"])
    serve_kind = _kind(serve_present, limits["numeric_share"])

    problems: list[str] = []
    if serve_missing - train_missing > limits["max_missing_increase"]:
        problems.append(
            f"mostly missing at serving: {_pct(serve_missing)} vs {_pct(train_missing)} in training"
        )
    problems += _constant_problem(train_present, serve_present, limits["max_constant_chance"])
    if EMPTY not in (train_kind, serve_kind) and train_kind != serve_kind:
        problems.append(f"{train_kind} in training, {serve_kind} at serving")

    lengths = (
        _length_shift(train_present, serve_present) if TEXT == train_kind == serve_kind else None
    )
    if lengths is not None:
        train_mean, serve_mean, ks, p_value = lengths
        if ks > limits["max_length_ks"] and p_value < limits["length_p_value"]:
            side = "shorter" if serve_mean < train_mean else "longer"
            problems.append(
                f"{side} at serving: {serve_mean:.1f} tokens on average vs {train_mean:.1f} "
                f"in training (KS {ks:.2f}, p {p_value:.2g})"
            )
    return FeatureSkew(
        feature=str(name),
        training_missing=train_missing,
        serving_missing=serve_missing,
        training_kind=train_kind,
        serving_kind=serve_kind,
        training_distinct=int(train_present.astype(str).nunique()),
        serving_distinct=int(serve_present.astype(str).nunique()),
        training_mean_tokens=None if lengths is None else lengths[0],
        serving_mean_tokens=None if lengths is None else lengths[1],
        length_ks=None if lengths is None else lengths[2],
        length_p_value=None if lengths is None else lengths[3],
        problems=tuple(problems),
    )


def _present(values: pd.Series) -> pd.Series:
    """The values that are not missing: not null/NaN and, for text, not empty or blank."""
    kept = values.dropna()
    if kept.dtype == object or pd.api.types.is_string_dtype(kept):
        text = kept.astype(str)
        kept = kept[text.str.strip() != ""]
    return kept


def _missing_share(present: int, rows: int) -> float:
    # A column absent at serving is missing in every serving row; an empty frame holds no value.
    if rows == 0:
        return 1.0
    return (rows - present) / rows


def _kind(present: pd.Series, numeric_share: float) -> str:
    if present.empty:
        return EMPTY
    if pd.api.types.is_bool_dtype(present) or pd.api.types.is_numeric_dtype(present):
        return NUMERIC
    if pd.api.types.is_datetime64_any_dtype(present):
        return TEXT  # a timestamp is not a number a model takes as is
    # A sample decides: 10,000 values estimate the share to about a point.
    sample = present.sample(KIND_SAMPLE, random_state=0) if len(present) > KIND_SAMPLE else present
    parsed = pd.to_numeric(sample.astype(str).str.strip(), errors="coerce")
    return NUMERIC if float(parsed.notna().mean()) >= numeric_share else TEXT


def _constant_problem(train: pd.Series, serve: pd.Series, max_chance: float) -> list[str]:
    train_text, serve_text = train.astype(str), serve.astype(str)
    if serve_text.nunique() != 1 or train_text.nunique() < 2:
        return []
    value = serve_text.iloc[0]
    share = float((train_text == value).mean())
    # Chance that len(serve) draws from the training distribution all take one value.
    shares = train_text.value_counts(normalize=True).to_numpy(dtype=float)
    chance = float(np.sum(shares ** len(serve_text)))
    if chance >= max_chance:
        return []
    return [
        f"constant at serving ({_shorten(value)!r} in all {len(serve_text)} values) while "
        f"training has {train_text.nunique()} distinct values (that one in {_pct(share)})"
    ]


def _length_shift(train: pd.Series, serve: pd.Series) -> tuple[float, float, float, float]:
    train_len = _token_lengths(train)
    serve_len = _token_lengths(serve)
    result = stats.ks_2samp(train_len, serve_len)
    return (
        float(train_len.mean()),
        float(serve_len.mean()),
        float(result.statistic),
        float(result.pvalue),
    )


def _token_lengths(values: pd.Series) -> np.ndarray:
    # 50,000 lengths pin the KS statistic to within about a point; more only cost time.
    if len(values) > LENGTH_SAMPLE:
        values = values.sample(LENGTH_SAMPLE, random_state=0)
    return np.fromiter((len(text.split()) for text in values.astype(str)), dtype=float)


def _shorten(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _pct(share: float) -> str:
    """A share in words: whole percent, one decimal below 1% (0.4%), never a false 0% or 100%."""
    percent = share * 100
    if 0 < percent < 1 or 99 < percent < 100:
        return f"{percent:.1f}%"
    return f"{percent:.0f}%"
