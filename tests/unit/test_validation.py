import json

import pandas as pd

from dq_pipelines.checks.dagster_results import to_check_result
from dq_pipelines.checks.gx_runner import _validate_pandas
from dq_pipelines.declared.suites import ExpectationSpec, SuiteSpec


def _spec(name, type_, severity="ERROR", **kwargs):
    return ExpectationSpec(name, type_, kwargs, severity, description=f"{name} desc")


SUITE = SuiteSpec(
    asset="things",
    path=None,
    expectations=(
        _spec(
            "price_between",
            "expect_column_values_to_be_between",
            column="price",
            min_value=0,
            max_value=100,
        ),
        _spec("rows", "expect_table_row_count_to_be_between", "WARN", min_value=10),
        _spec("id_unique", "expect_column_values_to_be_unique", column="id"),
        _spec(
            "cat_in_set", "expect_column_values_to_be_in_set", column="cat", value_set=["a", "b"]
        ),
    ),
)


def validate_dataframe(suite: SuiteSpec, df: pd.DataFrame):
    """The pandas path of the runner (validate_table takes it for suites whose engine is pandas)."""
    return _validate_pandas(suite.asset, list(suite.expectations), df, "suite engine is pandas")


DF = pd.DataFrame(
    {
        "id": ["p1", "p2", "p3", "p4", "p5"],
        "price": [1.0, -5.0, 250.0, 3.0, None],
        "cat": ["a", "b", "a", "zzz", "b"],
    }
)


def test_one_outcome_per_expectation_in_suite_order_with_what_is_wrong():
    outcomes = validate_dataframe(SUITE, DF)
    assert [o.check_name for o in outcomes] == ["price_between", "rows", "id_unique", "cat_in_set"]
    price, rows, unique, cat = outcomes
    assert not price.passed and price.unexpected_count == 2 and price.element_count == 5
    assert sorted(price.unexpected_sample) == [-5.0, 250.0]
    assert price.unexpected_percent == 50.0  # of non-null values
    assert not rows.passed and rows.observed_value == 5 and rows.severity == "WARN"
    assert unique.passed and unique.unexpected_count == 0
    assert not cat.passed and cat.unexpected_sample == ["zzz"]


def test_check_result_metadata_answers_what_exactly_is_wrong():
    price = validate_dataframe(SUITE, DF)[0]
    result = to_check_result("things", price)
    meta = {k: v.value for k, v in result.metadata.items()}
    assert result.passed is False
    assert result.check_name == "price_between"
    assert meta["unexpected_count"] == 2
    assert meta["unexpected_percent"] == 50.0
    assert sorted(json.loads(f"[{meta['unexpected_sample']}]")) == [-5.0, 250.0]  # as text
    assert meta["expectation_type"] == "expect_column_values_to_be_between"
    assert meta["kwargs"] == {"column": "price", "min_value": 0, "max_value": 100}
    assert meta["severity"] == "ERROR"
