"""Drift statistics (dq_pipelines.stats.drift): hand-checked values, decisions and the table API."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dq_pipelines.stats.drift import DEFAULTS, column_drift, detect_drift, infer_kind
from dq_pipelines.stats.drift_categorical import chi2_test, js_distance
from dq_pipelines.stats.drift_numeric import bin_shares, psi, quantile_edges
from dq_pipelines.stats.drift_text import term_changes, tokenize

RNG_SEED = 7


def _table(rows: int, seed: int, *, shift: float = 0.0, swap: bool = False, new_words=False):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(60)] + ([f"fresh{i}" for i in range(20)] if new_words else [])
    shares = np.array([0.5, 0.3, 0.2])
    if swap:
        shares = shares[::-1]
    return pd.DataFrame(
        {
            "price": rng.normal(100 + shift, 10, rows),
            "colour": rng.choice(["red", "green", "blue"], size=rows, p=shares).astype(object),
            "title": [" ".join(rng.choice(words, size=6)) for _ in range(rows)],
        }
    )


# --- statistics against hand-computed values ---------------------------------------------------


def test_psi_of_identical_distributions_is_zero():
    values = np.random.default_rng(RNG_SEED).normal(size=1000)
    assert psi(values, values) == 0.0


def test_psi_of_a_known_shift_matches_the_hand_computation():
    # Two bins split at the reference median 49.5: reference shares 0.5/0.5, current 0.75/0.25.
    reference = np.arange(100.0)
    current = np.array([10.0] * 75 + [90.0] * 25)
    expected = (0.75 - 0.5) * math.log(0.75 / 0.5) + (0.25 - 0.5) * math.log(0.25 / 0.5)
    assert psi(reference, current, bins=2) == pytest.approx(expected)  # 0.274653


def test_psi_raises_an_empty_bin_to_epsilon_on_its_side_only():
    reference = np.arange(100.0)
    current = np.full(10, 5.0)  # every value below the median: upper bin empty
    expected = (1 - 0.5) * math.log(1 / 0.5) + (1e-4 - 0.5) * math.log(1e-4 / 0.5)
    assert psi(reference, current, bins=2, epsilon=1e-4) == pytest.approx(expected)


def test_quantile_edges_of_discrete_values_give_each_value_its_own_bin():
    reference = np.repeat([0.0, 1.0, 2.0, 3.0], 25)
    edges = quantile_edges(reference, 10)
    assert edges.tolist() == [0.0, 1.0, 1.5, 2.0, 3.0]  # deciles deduplicated (1.5 interpolated)
    shares = bin_shares(reference, edges)
    assert shares[shares > 0].tolist() == [0.25] * 4


def test_js_distance_hand_values():
    assert js_distance(np.array([5.0, 0.0]), np.array([0.0, 7.0])) == pytest.approx(1.0)
    assert js_distance(np.array([1.0, 3.0]), np.array([2.0, 6.0])) == pytest.approx(0.0)
    # p = (1, 0), q = (.5, .5), m = (.75, .25): JSD = (log2(4/3) + .5 log2(2/3) + .5) / 2
    jsd = (math.log2(4 / 3) + 0.5 * math.log2(2 / 3) + 0.5) / 2
    assert js_distance(np.array([1.0, 0.0]), np.array([1.0, 1.0])) == pytest.approx(math.sqrt(jsd))


def test_chi2_of_a_2x2_table_matches_the_hand_computation():
    statistic, p_value, dof = chi2_test(np.array([10.0, 20.0]), np.array([20.0, 10.0]))
    assert statistic == pytest.approx(4 * 25 / 15)  # every expected count is 15
    assert dof == 1
    assert p_value == pytest.approx(0.00982, abs=1e-4)


# --- column decisions ----------------------------------------------------------------------------


def test_numeric_drift_fires_on_a_mean_shift_and_not_on_a_fresh_sample():
    reference = _table(5000, 1)["price"]
    assert column_drift(reference, _table(5000, 2, shift=8)["price"]).drifted
    fresh = column_drift(reference, _table(5000, 2)["price"])
    assert not fresh.drifted
    assert fresh.kind == "numeric" and fresh.statistic == "psi" and fresh.threshold == 0.2
    assert {"psi", "ks_statistic", "ks_p_value"} <= set(fresh.extra)


def test_categorical_drift_fires_on_a_share_change_and_names_new_categories():
    reference = _table(5000, 1)["colour"]
    swapped = column_drift(reference, _table(5000, 2, swap=True)["colour"])
    assert swapped.drifted and swapped.statistic == "js" and swapped.test == "chi2"
    assert not column_drift(reference, _table(5000, 2)["colour"]).drifted
    with_new = pd.concat([_table(4000, 3)["colour"], pd.Series(["purple"] * 1000)])
    result = column_drift(reference, with_new, "categorical")
    assert result.drifted and result.extra["new_categories"] == ["purple"]


def test_text_drift_names_the_terms_gained_and_lost():
    reference = _table(3000, 1)["title"]
    assert infer_kind(reference) == "text"
    assert not column_drift(reference, _table(3000, 2)["title"]).drifted
    result = column_drift(reference, _table(3000, 2, new_words=True)["title"])
    assert result.drifted and result.extra["vocabulary_drifted"]
    gained = [t["term"] for t in result.extra["top_terms_gained"]]
    assert gained and all(term.startswith("fresh") for term in gained)
    assert "gained fresh" in result.summary()


def test_text_length_shift_alone_is_drift():
    reference = pd.Series(["a b c d e f"] * 500 + ["a b c d"] * 500)
    current = pd.Series(["a b c d e f a b c d e f"] * 500 + ["a b c d a b c d"] * 500)
    result = column_drift(reference, current, "text")
    assert result.extra["length_drifted"] and result.drifted


def test_term_changes_rank_by_change_in_share():
    gained, lost = term_changes(
        pd.Series({"a": 50, "b": 50}), pd.Series({"a": 20, "b": 50, "c": 30}), top=5
    )
    assert [t["term"] for t in gained] == ["c"] and gained[0]["current_share"] == 0.3
    assert [t["term"] for t in lost] == ["a"] and lost[0]["reference_share"] == 0.5


def test_the_significance_gate_stops_small_sample_noise():
    rng = np.random.default_rng(RNG_SEED)
    reference, current = pd.Series(rng.normal(size=30)), pd.Series(rng.normal(size=30))
    threshold_only = column_drift(reference, current, options={"alpha": 1.0})
    assert threshold_only.value > 0.2 and threshold_only.drifted  # PSI is noisy at 30 rows
    assert not column_drift(reference, current).drifted


def test_null_share_change_is_reported_and_an_all_null_side_is_drift():
    reference = pd.Series([1.0, 2.0, None, 4.0] * 50, name="x")
    current = pd.Series([1.0, None, None, 4.0] * 50, name="x")
    result = column_drift(reference, current)
    assert result.reference_null_share == 0.25 and result.current_null_share == 0.5
    assert result.null_share_change == 0.25
    empty = column_drift(reference, pd.Series([None] * 10, name="x", dtype=float))
    assert empty.drifted and empty.value is None and empty.current_values == 0


# --- the table ----------------------------------------------------------------------------------


def _plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (bool, int, float, str)


def test_detect_drift_infers_kinds_and_reports_shares_in_plain_python():
    reference = _table(3000, 1).assign(when=pd.Timestamp("2024-01-01"))
    current = _table(2000, 2, shift=8).assign(when=pd.Timestamp("2024-02-01"))
    report = detect_drift(reference, current)
    assert [(r.column, r.kind) for r in report.columns] == [
        ("price", "numeric"),
        ("colour", "categorical"),
        ("title", "text"),
    ]
    assert "when" in report.skipped
    assert report.drifted_columns == ("price",) and report.share_drifted == pytest.approx(1 / 3)
    assert report.summary() == "1 of 3 columns drifted (33%): price."
    assert all(_plain(vars(r)) for r in report.columns)
    assert _plain(report.metadata()) and report.metadata()["price.threshold"] == 0.2
    assert (report.reference_rows, report.current_rows) == (3000, 2000)


def test_overrides_change_threshold_statistic_and_kind():
    reference, current = _table(3000, 1), _table(3000, 2, shift=8)
    report = detect_drift(
        reference,
        current,
        overrides={"price": {"threshold": 50.0}, "colour": {"statistic": "psi"}},
        kinds={"title": "categorical"},
    )
    assert report.column("price").threshold == 50.0 and not report.column("price").drifted
    assert report.column("colour").statistic == "psi"
    assert report.column("colour").threshold == DEFAULTS["threshold"]["psi"]
    assert report.column("title").kind == "categorical"
    ks = detect_drift(reference, current, overrides={"price": {"statistic": "ks"}})
    assert ks.column("price").statistic == "ks" and ks.column("price").threshold == 0.1
    assert ks.column("price").drifted


def test_ignored_and_one_sided_columns_are_not_compared():
    reference = _table(1000, 1).assign(gone=1.0)
    current = _table(1000, 2).assign(extra=1.0)
    report = detect_drift(reference, current, ignore=["title"])
    assert [r.column for r in report.columns] == ["price", "colour"]
    assert report.missing_in_current == ("gone",) and report.new_in_current == ("extra",)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"overrides": {"nope": {"threshold": 0.3}}}, r"no column \['nope'\]"),
        ({"overrides": {"price": {"treshold": 0.3}}}, "unknown keys"),
        ({"kinds": {"price": "ordinal"}}, "is not one of"),
        ({"overrides": {"price": {"statistic": "js"}}}, "statistic 'js'"),
        ({"ignore": ["nope"]}, "drift ignore"),
    ],
)
def test_bad_configuration_is_a_clear_value_error(kwargs: dict, message: str):
    with pytest.raises(ValueError, match=message):
        detect_drift(_table(100, 1), _table(100, 2), **kwargs)


def test_an_empty_current_table_is_a_value_error():
    reference = _table(100, 1)
    with pytest.raises(ValueError, match="current table has no rows"):
        detect_drift(reference, reference.iloc[:0])


def test_tokenize_counts_words_per_value_and_in_total():
    lengths, counts = tokenize(pd.Series(["Red desk, oak!", "", "desk\u00a0lamp_x", "a\x1fb"]))
    assert lengths.tolist() == [3.0, 0.0, 3.0, 2.0]
    assert counts.to_dict() == {"red": 1, "desk": 2, "oak": 1, "lamp": 1, "x": 1, "a": 1, "b": 1}


@pytest.mark.parametrize("seed", [3, 4, 8, 18])  # each flagged by a plain token test
def test_the_vocabulary_test_allows_for_values_repeated_as_a_whole(seed: int):
    # One distribution: 2,000 draws from a pool of 200 titles of 8 words. Tokens come in
    # clusters of 8 (a repeated title repeats all its words), so a plain chi-squared test on
    # token counts calls two fresh samples different; dividing by the design effect does not.
    rng = np.random.default_rng(seed)
    pool = np.array([" ".join(rng.choice([f"w{i}" for i in range(300)], 8)) for _ in range(200)])
    reference, current = (pd.Series(pool[rng.integers(0, 200, 2000)]) for _ in range(2))
    test_only = {"threshold": 0.0, "length_threshold": 1e9}  # judge by the p-value alone
    result = column_drift(reference, current, "text", test_only)
    assert result.extra["vocabulary_design_effect"] == 8.0
    assert not result.drifted, result.summary()
