"""Feedback statistics: CTR by rank and by day, and the CTR-drop test on generated feedback."""

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from dq_pipelines.stats.feedback import (
    ctr_by_rank,
    ctr_drop_in_windows,
    ctr_drop_test,
    daily_feedback,
    window_counts,
)

START = datetime(2026, 11, 1)
END = datetime(2026, 11, 9)  # 7 baseline days, then the current day


def _feedback(seed: int, top_ctr: float, current_factor: float = 1.0, queries: int = 500):
    """Eight days of 10-result searches, CTR top_ctr / rank**0.8 (times current_factor on the
    last day)."""
    rng = np.random.default_rng(seed)
    n = 8 * queries * 10
    rank = np.tile(np.arange(1, 11), 8 * queries)
    day = np.repeat(np.arange(8), queries * 10)
    p = top_ctr / rank**0.8 * np.where(day == 7, current_factor, 1.0)
    clicked = rng.random(n) < p
    u = rng.random(n)
    thumbs = np.where(clicked & (u < 0.2), "up", np.where(u > 0.99, "down", None))
    at = np.datetime64(START, "s") + (day * 86_400 + (u * 86_000).astype(int)).astype("m8[s]")
    return pd.DataFrame(
        {"query": "q", "product_id": "p", "rank": rank, "clicked": clicked.astype(int),
         "thumbs": thumbs, "event_at": at}
    )  # fmt: skip


HAND = pd.DataFrame(
    {
        "rank": [1, 1, 2, 2, 1],
        "clicked": [1, 0, 1, 0, 1],
        "thumbs": ["up", None, "down", "", "up"],
        "event_at": ["2026-11-01T10:00:00", "2026-11-01T11:00:00", "2026-11-01T12:00:00",
                     "2026-11-02T09:00:00", "2026-11-02T10:00:00"],
        "model_version": ["v1", "v1", "v1", "v2", "v2"],
    }
)  # fmt: skip


def test_ctr_by_rank_and_day_on_hand_values_per_model_version():
    by_rank = ctr_by_rank(HAND)
    assert by_rank.to_dict("records") == [
        {"model_version": "v1", "rank": 1, "impressions": 2, "clicks": 1, "ctr": 0.5},
        {"model_version": "v1", "rank": 2, "impressions": 1, "clicks": 1, "ctr": 1.0},
        {"model_version": "v2", "rank": 1, "impressions": 1, "clicks": 1, "ctr": 1.0},
        {"model_version": "v2", "rank": 2, "impressions": 1, "clicks": 0, "ctr": 0.0},
    ]
    daily = daily_feedback(HAND)
    assert list(daily["model_version"]) == ["v1", "v2"]
    first = daily.iloc[0]
    assert (first["impressions"], first["clicks"], first["thumbs_up"], first["thumbs_down"]) == (
        3, 2, 1, 1,
    )  # fmt: skip
    assert first["ctr"] == pytest.approx(2 / 3) and first["explicit_ratio"] == pytest.approx(2 / 3)
    assert first["up_ratio"] == 0.5 and daily.iloc[1]["up_ratio"] == 1.0


def test_without_a_model_version_column_figures_are_overall_and_position_bias_shows():
    by_rank = ctr_by_rank(_feedback(1, 0.3))
    assert "model_version" not in by_rank and list(by_rank["rank"]) == list(range(1, 11))
    assert by_rank["ctr"].iloc[0] > 2 * by_rank["ctr"].iloc[-1]
    assert by_rank["impressions"].sum() == 40_000
    daily = daily_feedback(_feedback(1, 0.3).assign(thumbs=None))
    assert len(daily) == 8 and daily["up_ratio"].isna().all()


def test_a_real_drop_in_generated_feedback_fires_with_the_numbers_a_check_needs():
    drop = ctr_drop_in_windows(_feedback(2, 0.3, current_factor=0.7), END, max_relative_drop=0.1)
    assert drop.fired
    assert drop.current_impressions == 5_000 and drop.baseline_impressions == 35_000
    assert drop.relative_drop == pytest.approx(0.3, abs=0.06)
    assert drop.p_value < 1e-6 and (drop.alpha, drop.min_impressions) == (0.01, 1000)
    assert drop.current_ctr < drop.baseline_ctr
    assert "a significant drop beyond the 10.0% allowed" in drop.summary
    assert "on 5,000 impressions against" in drop.summary


def test_noise_in_generated_feedback_does_not_fire():
    fired = [
        ctr_drop_in_windows(_feedback(seed, 0.3), END, max_relative_drop=0.1).fired
        for seed in range(20)
    ]
    assert sum(fired) == 0


def test_the_significance_test_alone_keeps_false_alarms_near_alpha():
    """With no relative threshold to speak of, only the z-test stands between noise and an
    alarm: over 2,000 same-rate draws it fires at about alpha (1%)."""
    rng = np.random.default_rng(0)
    current = rng.binomial(5_000, 0.08, 2_000)
    baseline = rng.binomial(35_000, 0.08, 2_000)
    fired = sum(
        ctr_drop_test((int(c), 5_000), (int(b), 35_000), max_relative_drop=1e-6).fired
        for c, b in zip(current, baseline, strict=True)
    )
    assert fired <= 2_000 * 0.02


def test_a_drop_on_a_handful_of_impressions_does_not_alarm():
    few = ctr_drop_test((0, 30), (3_500, 35_000), max_relative_drop=0.1)
    assert not few.fired and few.relative_drop == 1.0
    assert "too few impressions to judge (at least 1,000 per window)" in few.summary
    chance = ctr_drop_test((1, 20), (4_200, 35_000), max_relative_drop=0.1, min_impressions=0)
    assert not chance.fired and chance.p_value > 0.05
    assert "not significant" in chance.summary


def test_no_drop_and_degenerate_windows_do_not_fire():
    same = ctr_drop_test((500, 5_000), (3_500, 35_000), max_relative_drop=0.1)
    assert not same.fired and "within the 10.0% allowed" in same.summary
    empty = ctr_drop_test((0, 2_000), (0, 2_000), max_relative_drop=0.1)
    assert not empty.fired and empty.p_value == 1.0 and empty.relative_drop == 0.0


@pytest.mark.parametrize(
    ("current", "baseline", "options", "said"),
    [
        ((5, 3), (1, 10), {}, "between 0 and impressions"),
        ((1, 10), (-1, 10), {}, "between 0 and impressions"),
        ((1, 10), (1, 10), {"max_relative_drop": 1.5}, "between 0 and 1"),
        ((1, 10), (1, 10), {"alpha": 0.0}, "between 0 and 1"),
        ((1, 10), (1, 10), {"min_impressions": -1}, "must not be negative"),
    ],
)
def test_bad_counts_and_options_are_refused(current, baseline, options, said):
    with pytest.raises(ValueError, match=said):
        ctr_drop_test(current, baseline, **{"max_relative_drop": 0.1, **options})


def test_windows_are_half_open_and_need_positive_lengths():
    assert window_counts(HAND, datetime(2026, 11, 1), datetime(2026, 11, 2)) == (2, 3)
    with pytest.raises(ValueError, match="at least 1"):
        ctr_drop_in_windows(HAND, END, current_days=0, max_relative_drop=0.1)
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['rank'\]"):
        ctr_by_rank(HAND.drop(columns="rank"))
