"""Train/serve skew (issue 11): a feature mostly missing, constant, retyped or much shorter at
serving fails by name with both missing rates; a same-distribution serving sample passes."""

import numpy as np
import pandas as pd
import pytest

from dq_pipelines.stats.serving_skew import DEFAULT_SKEW_THRESHOLDS, serving_skew

WORDS = ["oak", "table", "chair", "lamp", "desk", "walnut", "steel", "modern", "vintage", "black"]
BRANDS = ["acme", "nordic", "loft", "oakline", "brightco"]


def _catalog(rows: int, seed: int) -> pd.DataFrame:
    """Catalog-like features: a short title, a longer description (2% blank), brand, price."""
    rng = np.random.default_rng(seed)

    def text(low: int, high: int) -> list[str]:
        return [" ".join(rng.choice(WORDS, rng.integers(low, high))) for _ in range(rows)]

    description = text(12, 40)
    for i in rng.choice(rows, rows // 50, replace=False):
        description[i] = "  " if i % 2 else None
    return pd.DataFrame(
        {
            "title": text(3, 8),
            "description": description,
            "brand": rng.choice(BRANDS, rows),
            "price": rng.uniform(5, 500, rows).round(2),
        }
    )


TRAINING = _catalog(3000, seed=1)


def test_a_same_distribution_serving_sample_passes():
    for seed in range(2, 7):
        result = serving_skew(TRAINING, _catalog(300, seed=seed))
        assert result.passed, result.summary()
        assert result.failing == ()
    assert result.summary().startswith("no skew: 4 features match")
    description = result.features[1]
    assert description.feature == "description"
    assert 0.015 < description.training_missing < 0.025
    assert description.training_kind == description.serving_kind == "text"
    assert description.length_ks is not None and description.length_ks < 0.2


def test_a_feature_mostly_missing_at_serving_fails_with_both_rates():
    serving = _catalog(400, seed=3)
    serving.loc[: int(400 * 0.9), "description"] = ""
    result = serving_skew(TRAINING, serving)

    assert result.failing == ("description",)
    (feature,) = [f for f in result.features if f.failed]
    assert feature.serving_missing > 0.9
    assert "description: 2% missing in training, 9" in result.summary()
    assert "% at serving" in result.summary()
    assert result.metadata()["description.serving_missing"] == feature.serving_missing
    assert isinstance(result.metadata()["description.serving_missing"], float)


def test_a_training_feature_absent_at_serving_is_100_percent_missing():
    result = serving_skew(TRAINING, _catalog(300, seed=4).drop(columns=["brand"]))
    assert result.failing == ("brand",)
    assert "brand: 0% missing in training, 100% at serving" in result.summary()


def test_a_feature_constant_at_serving_fails():
    serving = _catalog(300, seed=5).assign(brand="acme")
    acme = (TRAINING["brand"] == "acme").mean()
    result = serving_skew(TRAINING, serving)
    assert result.failing == ("brand",)
    assert (
        "brand: 0% missing in training, 0% at serving - constant at serving ('acme' in all "
        f"300 values) while training has 5 distinct values (that one in {acme:.0%})"
    ) in result.summary()


def test_a_rare_flag_constant_in_a_small_sample_is_not_skew():
    """A value taking 99% of training is constant in 20 draws most of the time: no alarm."""
    training = pd.DataFrame({"on_sale": [0] * 990 + [1] * 10})
    assert serving_skew(training, pd.DataFrame({"on_sale": [0] * 20})).passed
    # The same constant over 2000 serving rows would happen by chance with p = 0.99**2000.
    assert not serving_skew(training, pd.DataFrame({"on_sale": [0] * 2000})).passed


def test_a_feature_of_another_type_fails_and_numeric_strings_count_as_numbers():
    serving = _catalog(300, seed=6)
    as_strings = serving.assign(price=serving["price"].map(lambda p: f"{p:.2f}"))
    assert serving_skew(TRAINING, as_strings).passed

    retyped = serving.assign(price=serving["price"].map(lambda p: f"EUR {p:.2f}"))
    result = serving_skew(TRAINING, retyped)
    assert result.failing == ("price",)
    assert "numeric in training, text at serving" in result.summary()


def test_a_text_feature_much_shorter_at_serving_fails():
    serving = _catalog(300, seed=7)
    serving["description"] = serving["description"].str.split().str[:3].str.join(" ")
    result = serving_skew(TRAINING, serving)

    assert result.failing == ("description",)
    feature = result.features[1]
    assert feature.serving_mean_tokens < 4 < 20 < feature.training_mean_tokens
    assert feature.length_ks > 0.9 and feature.length_p_value < 1e-6
    assert "shorter at serving" in result.summary()


def test_thresholds_are_overridable_per_feature_and_typos_are_refused():
    serving = _catalog(300, seed=8)
    serving.loc[:90, "description"] = None  # ~30% missing
    assert serving_skew(TRAINING, serving).failing == ("description",)
    relaxed = {"description": {"max_missing_increase": 0.5}}
    assert serving_skew(TRAINING, serving, overrides=relaxed).passed
    assert DEFAULT_SKEW_THRESHOLDS["max_missing_increase"] == 0.10  # defaults untouched

    with pytest.raises(ValueError, match="unknown skew thresholds"):
        serving_skew(TRAINING, serving, overrides={"description": {"max_missing": 0.5}})
    with pytest.raises(ValueError, match="features not compared"):
        serving_skew(TRAINING, serving, overrides={"descr": {"max_missing_increase": 0.5}})
    with pytest.raises(ValueError, match="not in the training frame"):
        serving_skew(TRAINING, serving, features=["title", "colour"])


def test_only_the_chosen_features_are_judged_and_serving_only_columns_are_listed():
    serving = _catalog(300, seed=9).assign(request_id="r", brand=None)
    result = serving_skew(TRAINING, serving, features=["title", "price"])
    assert [f.feature for f in result.features] == ["title", "price"]
    assert result.passed
    assert result.serving_only == ("request_id",)
