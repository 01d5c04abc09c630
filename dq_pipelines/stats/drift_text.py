"""Explainable drift signals on free text: the length distribution (in tokens) and the vocabulary.

Tokens are the whitespace-separated words of the lowercased text once ASCII punctuation is
replaced by spaces (so "Desk," and "desk" are one token; non-ASCII punctuation stays attached).
They are counted in one pass over all values joined, not value by value: tokenizing 100k values
one by one costs seconds, this a fraction of one. The vocabulary shift is the
Jensen-Shannon distance of the token frequencies (with a chi-squared test on the same table),
and the terms that explain it are the ones whose share of all tokens rose or fell the most.
Pure pandas/scipy on null-free string Series; `drift.py` picks the options and judges.
"""

from __future__ import annotations

import string
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dq_pipelines.stats.drift_categorical import CategoricalShift, categorical_shift
from dq_pipelines.stats.drift_numeric import NumericShift, numeric_shift

PUNCTUATION = str.maketrans(dict.fromkeys(string.punctuation, " "))
SEPARATOR = "\x1f"  # joins the values: whitespace to str.split, so never inside a token
# Every code point str.split() splits on (all below U+3001).
WHITESPACE = tuple(code for code in range(0x3001) if chr(code).isspace())


@dataclass(frozen=True)
class TextShift:
    """Length and vocabulary shift of one text column (plain Python numbers)."""

    length: NumericShift  # PSI and KS of the token counts per value
    vocabulary: CategoricalShift  # JS, chi-squared and PSI of the token frequencies
    design_effect: float  # the vocabulary's chi-squared statistic was divided by it
    mean_tokens_reference: float
    mean_tokens_current: float
    top_terms_gained: list[dict[str, float | str]]  # term, reference_share, current_share
    top_terms_lost: list[dict[str, float | str]]


def tokenize(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Tokens per value (float array, in order) and the count of each token (token -> count)."""
    texts = values.astype(str).tolist()
    if not texts:
        return np.empty(0), pd.Series(dtype=float)
    joined = SEPARATOR.join(texts)
    if joined.count(SEPARATOR) != len(texts) - 1:  # a value holds the separator itself
        joined = SEPARATOR.join(text.replace(SEPARATOR, " ") for text in texts)
    cleaned = joined.lower().translate(PUNCTUATION)
    codes = np.frombuffer(cleaned.encode("utf-32-le"), dtype=np.uint32)
    in_word = ~np.isin(codes, WHITESPACE, kind="table")
    starts = in_word.copy()
    starts[1:] &= ~in_word[:-1]
    before = np.concatenate([[0], np.cumsum(starts)])  # token starts before each position
    bounds = np.flatnonzero(codes == ord(SEPARATOR))
    lengths = before[np.append(bounds, codes.size)] - before[np.insert(bounds + 1, 0, 0)]
    counts = pd.Series(Counter(cleaned.split()), dtype=float)
    return lengths.astype(float), counts


def mean_tokens(values: pd.Series) -> float:
    """Mean number of tokens per value (0 for no values): the text-or-category signal."""
    lengths, _ = tokenize(values)
    return float(lengths.mean()) if lengths.size else 0.0


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
    min_expected: float,
    seed: int,
) -> TextShift:
    """Length (tokens per value) and vocabulary shift of two null-free string Series.

    The chi-squared test of the vocabulary counts tokens, but tokens are not independent draws:
    the words of one value come together, and a value repeated (titles are) repeats all of
    them, so the plain test calls fresh samples of the same distribution different (1 in 5 at
    alpha 2.5% on 2,000 draws from 200 titles). Its statistic is divided by the mean number of
    tokens per value, about the largest inflation such clusters can cause: the test becomes
    conservative, as if each value were one observation. The price is power on small samples
    (the JS threshold still has to be passed anyway).
    """
    ref_lengths, ref_counts = tokenize(reference)
    cur_lengths, cur_counts = tokenize(current)
    design_effect = max(1.0, float(np.concatenate([ref_lengths, cur_lengths]).mean()))
    gained, lost = term_changes(ref_counts, cur_counts, top_terms)
    return TextShift(
        length=numeric_shift(
            ref_lengths, cur_lengths, bins=bins, epsilon=epsilon, ks_max_rows=ks_max_rows, seed=seed
        ),
        vocabulary=categorical_shift(
            ref_counts,
            cur_counts,
            max_categories=max_terms,
            epsilon=epsilon,
            min_expected=min_expected,
            design_effect=design_effect,
        ),
        design_effect=design_effect,
        mean_tokens_reference=float(np.mean(ref_lengths)) if ref_lengths.size else 0.0,
        mean_tokens_current=float(np.mean(cur_lengths)) if cur_lengths.size else 0.0,
        top_terms_gained=gained,
        top_terms_lost=lost,
    )
