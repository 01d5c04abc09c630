"""Label checks: missing labels, and suspicious labels found by confident learning."""

import pandas as pd

from dq_pipelines.checks.gx_runner import CheckOutcome
from dq_pipelines.checks.label_review import Flag, confirmed_correct, queue_flags
from dq_pipelines.checks.ml_table import MlAudit
from dq_pipelines.declared.ml_check_schema import LabelAuditCheck, MissingLabelsCheck
from dq_pipelines.declared.ml_checks import MlCheckSpec
from dq_pipelines.stats.confident_learning import LabelAuditResult
from dq_pipelines.stats.missing_labels import missing_labels as count_missing
from dq_pipelines.stats.proxy_model import audit_labels

_TEXT_SHOWN = 120  # characters of an item's text in the result and the queue


def missing_labels(audit: MlAudit, spec: MlCheckSpec) -> CheckOutcome:
    options: MissingLabelsCheck = spec.options  # type: ignore[assignment]
    columns = [options.label_column] + ([options.group_column] if options.group_column else [])
    result = count_missing(audit.frame(columns), options.label_column, options.group_column)
    worst = result.worst_group
    too_many_overall = result.missing_share > options.max_share
    too_many_in_group = worst is not None and worst.missing_share > options.max_group_share
    limits = f"at most {options.max_share:.0%} overall"
    if options.group_column:
        limits += f" and {options.max_group_share:.0%} per {options.group_column}"
    return CheckOutcome(
        check_name=spec.name,
        passed=not (too_many_overall or too_many_in_group),
        severity=spec.severity,
        description=f"{result.summary().capitalize()} ({limits} allowed).",
        observed_value=round(result.missing_share, 4),
        element_count=result.n_items,
        unexpected_count=result.n_missing,
        unexpected_percent=round(100 * result.missing_share, 2),
        details={
            "missing_share": round(result.missing_share, 4),
            "max_share": options.max_share,
            **(
                {
                    "worst_group": worst.group,
                    "worst_group_missing_share": round(worst.missing_share, 4),
                    "max_group_share": options.max_group_share,
                    "missing_share_by_group": {
                        g.group: round(g.missing_share, 4) for g in result.groups if g.n_missing
                    },
                }
                if worst is not None
                else {}
            ),
        },
    )


def label_audit(audit: MlAudit, spec: MlCheckSpec) -> CheckOutcome:
    """Confident learning over a proxy model's cross-validated probabilities.

    Fails (at the declared severity, ERROR above `error_above_rate`) when the estimated
    label-error rate is above `warn_above_rate`. Auditing a new version queues the flagged
    items for review; items a person marked correct with their current label are skipped.
    """
    o: LabelAuditCheck = spec.options  # type: ignore[assignment]
    features = [*o.text_columns, *o.numeric_columns]
    frame = audit.frame([o.id_column, o.label_column, *features])
    frame[o.id_column] = frame[o.id_column].astype(str)
    result = audit_labels(
        frame,
        features,
        o.label_column,
        id_column=o.id_column,
        folds=o.folds,
        exclude=_confirmed_items(audit, frame, o),
    )
    texts = _texts(frame, o)
    flags = [
        Flag(
            str(i.item),
            i.given_label,
            i.suggested_label,
            i.given_label_confidence,
            texts.get(str(i.item), ""),
        )
        for i in result.flagged
    ]
    queued = queue_flags(audit.conn, audit.asset, spec.name, flags) if audit.staged else None
    return _audit_outcome(spec, result, flags, queued)


def _confirmed_items(audit: MlAudit, frame: pd.DataFrame, o: LabelAuditCheck) -> set[str]:
    """Items a person marked correct with the label they still carry."""
    confirmed = confirmed_correct(audit.conn, audit.asset)
    labels = frame[o.label_column].astype("string")
    pairs = zip(frame[o.id_column], labels, strict=True)
    return {item for item, label in pairs if (item, str(label)) in confirmed}


def _audit_outcome(
    spec: MlCheckSpec, result: LabelAuditResult, flags: list[Flag], queued: int | None
) -> CheckOutcome:
    o: LabelAuditCheck = spec.options  # type: ignore[assignment]
    rate = result.estimated_error_rate
    blocks = o.error_above_rate is not None and rate > o.error_above_rate
    limit = f"above {o.warn_above_rate:.0%} fails"
    if o.error_above_rate is not None:
        limit += f", above {o.error_above_rate:.0%} blocks"
    top = [
        {
            "item": f.item_id,
            "given": f.given_label,
            "suggested": f.suggested_label,
            "confidence": round(f.confidence, 3),
            "text": f.text,
        }
        for f in flags[: o.top]
    ]
    details = {
        "estimated_label_error_rate": round(rate, 4),
        "warn_above_rate": o.warn_above_rate,
        "noise_per_class": {k: round(v, 4) for k, v in result.noise_per_class.items()},
        "confirmed_correct_skipped": result.n_excluded,
    }
    if o.error_above_rate is not None:
        details["error_above_rate"] = o.error_above_rate
    if queued is not None:
        details["review_queue_pending"] = queued
    return CheckOutcome(
        check_name=spec.name,
        passed=rate <= o.warn_above_rate,
        severity="ERROR" if blocks else o.severity,
        description=f"Label audit: {result.summary()} ({limit}).",
        observed_value=round(rate, 4),
        element_count=result.n_items,
        unexpected_count=result.n_flagged,
        unexpected_percent=round(100 * result.flagged_share, 2),
        unexpected_sample=top,
        details=details,
    )


def _texts(frame: pd.DataFrame, options: LabelAuditCheck) -> dict[str, str]:
    """Each item's text features, joined and cut, as a reviewer reads them."""
    if not options.text_columns:
        return {}
    text = frame[list(options.text_columns)].fillna("").astype(str).agg(" | ".join, axis=1)
    return dict(zip(frame[options.id_column], text.str.slice(0, _TEXT_SHOWN), strict=True))
