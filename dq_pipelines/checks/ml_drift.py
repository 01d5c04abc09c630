"""Drift of a new version against the champion model's training data and the previous version."""

from typing import Any

import pandas as pd

from dq_pipelines.checks.gx_runner import CheckOutcome
from dq_pipelines.checks.masking import sensitive_columns
from dq_pipelines.checks.ml_table import MlAudit
from dq_pipelines.declared.ml_check_schema import DriftCheck
from dq_pipelines.declared.ml_checks import MlCheckSpec
from dq_pipelines.declared.project import load_project
from dq_pipelines.stats.drift import DriftReport, detect_drift

# Metadata the retrain sensor reads (ml/retrain.py).
RETRAIN_LEVEL_REACHED = "retrain_level_reached"
DRIFT_SUMMARY = "drift_summary"


def drift(audit: MlAudit, spec: MlCheckSpec) -> CheckOutcome:
    """Fails when, against any reference, more than `max_drifted_share` of columns drifted.

    Lineage columns (`_load_id`, ...) and ignored ones are never compared. With no reference
    yet (no model trained, nothing published before) it passes, saying so.
    """
    o: DriftCheck = spec.options  # type: ignore[assignment]
    current = audit.frame(_compared(audit, o))
    references, champion_version = _references(audit, o, list(current.columns))
    if not references:
        return CheckOutcome(
            check_name=spec.name,
            passed=True,
            severity=spec.severity,
            description="No reference to compare with yet (no model trained on this data, "
            "no earlier version).",
            details={DRIFT_SUMMARY: "no reference yet", RETRAIN_LEVEL_REACHED: False},
        )
    kinds = {c: v.kind for c, v in o.columns.items() if v.kind}
    overrides = {c: {"threshold": v.threshold} for c, v in o.columns.items() if v.threshold}
    reports = {
        name: detect_drift(ref, current, kinds=kinds, overrides=overrides)
        for name, ref in references.items()
    }
    failing = [n for n, r in reports.items() if r.share_drifted > o.max_drifted_share]
    champion = reports.get("champion")
    reached = bool(
        champion is not None
        and o.retrain_above_share is not None
        and champion.drifted_columns
        and champion.share_drifted >= o.retrain_above_share
    )
    said = "; ".join(f"against the {n}: {_said(r)}" for n, r in reports.items())
    # Statistics only, and no words of a sensitive column: nothing for masking to hide.
    details: dict[str, Any] = {DRIFT_SUMMARY: said, RETRAIN_LEVEL_REACHED: reached}
    details["shows_values_of"] = []
    details["max_drifted_share"] = o.max_drifted_share
    if o.retrain_above_share is not None:
        details["retrain_above_share"] = o.retrain_above_share
    sensitive = sensitive_columns(load_project(), audit.asset)
    for name, report in reports.items():
        details |= _figures(name, report, sensitive)
    if champion_version:
        details["champion_version"] = champion_version
    worst = max(r.share_drifted for r in reports.values())
    return CheckOutcome(
        check_name=spec.name,
        passed=not failing,
        severity=spec.severity,
        description=f"Drift {said}.",
        observed_value=round(worst, 4),
        element_count=len(current),
        details=details,
    )


def _figures(name: str, report: DriftReport, sensitive: frozenset[str]) -> dict[str, Any]:
    """One reference's figures, as numbers: share drifted, per column statistic, threshold and
    p-value, and a text column's top terms gained and lost (not for a sensitive column)."""
    figures: dict[str, Any] = {
        f"{name}.share_drifted": round(report.share_drifted, 4),
        f"{name}.drifted_columns": list(report.drifted_columns),
    }
    figures |= {f"{name}.{k}": _number(v) for k, v in report.metadata().items() if "." in k}
    for column in report.columns:
        if column.kind == "text" and column.column not in sensitive:
            for change in ("gained", "lost"):
                terms = column.extra.get(f"top_terms_{change}", [])[:5]
                figures[f"{name}.{column.column}.terms_{change}"] = [t["term"] for t in terms]
    return figures


def _compared(audit: MlAudit, options: DriftCheck) -> list[str]:
    """The asset's columns drift compares: not lineage (`_...`, `*_load_id`), not ignored."""
    rows = audit.conn.execute(f"select * from {audit.table_sql} limit 0").description or []
    names = [r[0] for r in rows]
    return [
        c
        for c in names
        if not c.startswith("_") and not c.endswith("_load_id") and c not in options.ignore
    ]


def _references(
    audit: MlAudit, options: DriftCheck, columns: list[str]
) -> tuple[dict[str, pd.DataFrame], str | None]:
    """What the version is compared with, by name, and the champion's model version."""
    found: dict[str, pd.DataFrame] = {}
    version = None
    if "champion" in options.against and (champion := audit.champion_training_data()):
        version, data = champion
        found["champion"] = data[[c for c in columns if c in data.columns]]
    if "previous" in options.against and (previous := audit.published(columns)) is not None:
        found["previous"] = previous
    return {n: f for n, f in found.items() if len(f)}, version


def _said(report: DriftReport) -> str:
    summary = report.summary().rstrip(".")
    return summary[:1].lower() + summary[1:]


def _number(value: Any) -> Any:
    return round(value, 6) if isinstance(value, float) else value
