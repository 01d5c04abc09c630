"""Train/serve skew: the features a model receives at serving time against its training data."""

from dq_pipelines.checks.gx_runner import CheckOutcome
from dq_pipelines.checks.ml_table import MlAudit
from dq_pipelines.declared.ml_check_schema import ServingSkewCheck
from dq_pipelines.declared.ml_checks import MlCheckSpec
from dq_pipelines.stats.serving_skew import serving_skew as compare_features


def serving_skew(audit: MlAudit, spec: MlCheckSpec) -> CheckOutcome:
    """Fails naming each feature that is mostly missing, constant, retyped or much shorter at
    serving than in the published training table, with both rates. Passes, saying so, before
    the training table is first published."""
    o: ServingSkewCheck = spec.options  # type: ignore[assignment]
    training = audit.other_table(o.training_asset, o.features)
    if training is None:  # the first delivery, before any training data
        return CheckOutcome(
            check_name=spec.name,
            passed=True,
            severity=spec.severity,
            description=f"Nothing to compare yet: {o.training_asset} has never been published.",
        )
    result = compare_features(
        training, audit.frame(o.features), features=o.features, overrides=o.thresholds
    )
    summary = result.summary()
    return CheckOutcome(
        check_name=spec.name,
        passed=result.passed,
        severity=spec.severity,
        description=summary[:1].upper() + summary[1:] + ".",
        observed_value=len(result.failing),
        element_count=result.serving_rows,
        details=result.metadata(),
    )
