"""Running a suite with Great Expectations and turning its results into check outcomes.

`CheckOutcome` is the one result shape every check shares, whatever computes it, so metadata,
alerts and history read the same fields.
"""

import math
import os
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dq_pipelines.lib.suites import SuiteSpec

SAMPLE_SIZE = 5
_CHECK_META_KEY = "dq_check"


@dataclass(frozen=True)
class CheckOutcome:
    check_name: str
    passed: bool
    severity: str
    description: str = ""
    observed_value: Any = None
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    unexpected_sample: list[Any] = field(default_factory=list)
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def json_safe(value: Any) -> Any:
    """numpy scalars, NaN and timestamps as plain JSON values (metadata must serialise)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _gx_context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def validate_dataframe(suite: SuiteSpec, df: pd.DataFrame) -> list[CheckOutcome]:
    """Validate df against the suite in one pass; one outcome per expectation, in suite order."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    expectations = [
        ExpectationConfiguration(
            type=spec.type, kwargs=dict(spec.kwargs), meta={_CHECK_META_KEY: spec.check_name}
        ).to_domain_obj()
        for spec in suite.expectations
    ]
    batch = (
        _gx_context()
        .data_sources.add_pandas("dq")
        .add_dataframe_asset(suite.asset)
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": df})
    )
    result = batch.validate(
        gx.ExpectationSuite(name=suite.asset, expectations=expectations), result_format="SUMMARY"
    )
    by_name = {r.expectation_config.meta[_CHECK_META_KEY]: r for r in result.results}
    return [_outcome(spec, by_name[spec.check_name]) for spec in suite.expectations]


def _outcome(spec, result) -> CheckOutcome:
    details = json_safe(dict(result.result or {}))
    error = None
    if result.exception_info and result.exception_info.get("raised_exception"):
        error = str(result.exception_info.get("exception_message"))
    return CheckOutcome(
        check_name=spec.check_name,
        passed=bool(result.success),
        severity=spec.severity,
        description=spec.description,
        observed_value=details.get("observed_value"),
        element_count=details.get("element_count"),
        unexpected_count=details.get("unexpected_count"),
        unexpected_percent=details.get("unexpected_percent"),
        unexpected_sample=(details.get("partial_unexpected_list") or [])[:SAMPLE_SIZE],
        error=error,
        details={"expectation_type": spec.type, "kwargs": json_safe(dict(spec.kwargs))},
    )
