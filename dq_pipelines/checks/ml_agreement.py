"""Labeler disagreement: chance-corrected agreement, and each annotator against the others."""

from dq_pipelines.checks.gx_runner import CheckOutcome
from dq_pipelines.checks.ml_table import MlAudit
from dq_pipelines.declared.ml_check_schema import AnnotatorAgreementCheck
from dq_pipelines.declared.ml_checks import MlCheckSpec
from dq_pipelines.stats.agreement import annotator_agreement as measure_agreement


def annotator_agreement(audit: MlAudit, spec: MlCheckSpec) -> CheckOutcome:
    """Fails when Krippendorff's alpha is below `min_alpha`, or an annotator with at least
    `min_items` compared items agrees with the others' majority less than
    `min_annotator_agreement` of the time (each such annotator named, with their count)."""
    o: AnnotatorAgreementCheck = spec.options  # type: ignore[assignment]
    frame = audit.frame([o.item_column, o.annotator_column, o.label_column])
    result = measure_agreement(
        frame,
        item=o.item_column,
        annotator=o.annotator_column,
        label=o.label_column,
        tie_rule=o.ties,
    )
    alpha = result.krippendorff_alpha
    outliers = [
        a
        for a in result.annotators
        if a.n_compared >= o.min_items and a.agreement < o.min_annotator_agreement
    ]
    low_alpha = alpha is not None and alpha < o.min_alpha
    said = result.summary()
    if outliers:
        said += (
            ". Below "
            + f"{o.min_annotator_agreement:.0%}: "
            + ", ".join(
                f"'{a.annotator}' ({a.agreement:.0%} of {a.n_compared} items)" for a in outliers
            )
        )
    details = {
        "krippendorff_alpha": None if alpha is None else round(alpha, 4),
        "min_alpha": o.min_alpha,
        "min_annotator_agreement": o.min_annotator_agreement,
        "ties": result.majority.n_ties,
        "tie_rule": o.ties,
        "annotators_below": [a.annotator for a in outliers],
        "agreement_by_annotator": {a.annotator: round(a.agreement, 4) for a in result.annotators},
        "items_by_annotator": {a.annotator: a.n_items for a in result.annotators},
    }
    if result.fleiss_kappa is not None:
        details["fleiss_kappa"] = round(result.fleiss_kappa, 4)
    return CheckOutcome(
        check_name=spec.name,
        passed=not (low_alpha or outliers),
        severity=spec.severity,
        description=said + ".",
        observed_value=None if alpha is None else round(alpha, 4),
        element_count=result.n_ratings,
        unexpected_count=sum(a.n_items for a in outliers),
        details={k: v for k, v in details.items() if v is not None},
    )
