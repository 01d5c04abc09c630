"""Explainable drift signals on free text: the length distribution (in tokens) and the vocabulary.

Tokens are lowercased runs of letters and digits (`[^\\W_]+`). The vocabulary shift is the
Jensen-Shannon distance of the token frequencies (with a chi-squared test on the same table),
and the terms that explain it are the ones whose share of all tokens rose or fell the most.
Pure pandas/scipy on null-free string Series; `drift.py` picks the options and judges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dq_pipelines.stats.drift_categorical import CategoricalShift, categorical_shift
from dq_pipelines.stats.drift_numeric import NumericShift, numeric_shift

TOKEN = r"[^\W_]+"


@dataclass(frozen=True)
class TextShift:
    """Length and vocabulary shift of one text column (plain Python numbers)."""

    length: NumericShift  # PSI and KS of the token counts per value
    vocabulary: CategoricalShift  # JS, chi-squared and PSI of the token frequencies
    mean_tokens_reference: float
    mean_tokens_current: float
    top_terms_gained: list[dict[str, float | str]]  # term, reference_share, current_share
    top_terms_lost: list[dict[str, float | str]]


def tokenize(values: pd.Series) -> pd.Series:
    """Each value's list of lowercased tokens."""
    return values.astype(str).str.lower().str.findall(TOKEN)


def mean_tokens(values: pd.Series) -> float:
    """Mean number of tokens per value (0 for no values): the text-or-category signal."""
    return float(tokenize(values).str.len().mean()) if len(values) else 0.0


def term_changes(
    ref_counts: pd.Series, cur_counts: pd.Series, top: int
) -> tuple[list[dict[str, float | str]], list[dict[str, float | str]]]:
    """The `top` terms whose share of all tokens rose most, and the `top` that fell most.

    Shares, not counts, so a current batch of another size compares fairly; ties are broken by
    term so the answer is deterministic.
    """
    shares = pd.concat(
        [ref_counts / max(ref_counts.sum(), 1), cur_counts / max(cur_counts.sum(), 1)],
        axis=1,
        keys=["reference_share", "current_share"],
    ).fillna(0.0)
    shares["change"] = shares["current_share"] - shares["reference_share"]
    shares = shares.rename_axis("term").reset_index().sort_values("term")
    gained = shares[shares["change"] > 0].sort_values("change", ascending=False, kind="stable")
    lost = shares[shares["change"] < 0].sort_values("change", kind="stable")
    return _rows(gained.head(top)), _rows(lost.head(top))


def _rows(frame: pd.DataFrame) -> list[dict[str, float | str]]:
    return [
        {
            "term": str(row.term),
            "reference_share": round(float(row.reference_share), 6),
            "current_share": round(float(row.current_share), 6),
        }
        for row in frame.itertuples()
    ]


def text_shift(
    reference: pd.Series,
    current: pd.Series,
    *,
    bins: int,
    epsilon: float,
    ks_max_rows: int,
    max_terms: int,
    top_terms: int,
    seed: int,
) -> TextShift:
    """Length (tokens per value) and vocabulary shift of two null-free string Series."""
    ref_tokens, cur_tokens = tokenize(reference), tokenize(current)
    ref_lengths = ref_tokens.str.len().to_numpy(float)
    cur_lengths = cur_tokens.str.len().to_numpy(float)
    ref_counts, cur_counts = ref_tokens.explode().value_counts(), cur_tokens.explode().value_counts()
    gained, lost = term_changes(ref_counts, cur_counts, top_terms)
    return TextShift(
        length=numeric_shift(
            ref_lengths, cur_lengths, bins=bins, epsilon=epsilon, ks_max_rows=ks_max_rows, seed=seed
        ),
        vocabulary=categorical_shift(
            ref_counts, cur_counts, max_categories=max_terms, epsilon=epsilon
        ),
        mean_tokens_reference=float(np.mean(ref_lengths)) if ref_lengths.size else 0.0,
        mean_tokens_current=float(np.mean(cur_lengths)) if cur_lengths.size else 0.0,
        top_terms_gained=gained,
        top_terms_lost=lost,
    )
