"""Running an asset's ML checks (declared/ml_checks.py) in its audit, each into a CheckOutcome.

Each kind's computation lives in its own module (checks/ml_labels.py, ml_drift.py, ...) and is
registered in `COMPUTATIONS` under the kind's name; a test fails if a declared kind has none.
A computation that cannot run (too few rows, a missing reference) reports a failed outcome with
the error, like an expectation GX cannot evaluate, rather than failing the step.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

import duckdb

from dq_pipelines.checks.gx_runner import CheckOutcome
from dq_pipelines.checks.ml_agreement import annotator_agreement
from dq_pipelines.checks.ml_drift import drift
from dq_pipelines.checks.ml_feedback import ctr_drop, feedback_profile
from dq_pipelines.checks.ml_labels import label_audit, missing_labels
from dq_pipelines.checks.ml_privacy import k_anonymity, no_identifiers
from dq_pipelines.checks.ml_skew import serving_skew
from dq_pipelines.checks.ml_table import MlAudit
from dq_pipelines.declared.ml_checks import MlCheckSpec

Computation = Callable[[MlAudit, MlCheckSpec], CheckOutcome]

COMPUTATIONS: dict[str, Computation] = {
    "missing_labels": missing_labels,
    "label_audit": label_audit,
    "annotator_agreement": annotator_agreement,
    "drift": drift,
    "serving_skew": serving_skew,
    "no_identifiers": no_identifiers,
    "k_anonymity": k_anonymity,
    "ctr_drop": ctr_drop,
    "feedback_profile": feedback_profile,
}


@dataclass(frozen=True)
class MlChecks:
    """An asset's ML checks, as the audit's table checks (see wap/audit.py `TableChecks`)."""

    asset: str
    specs: tuple[MlCheckSpec, ...]
    staged: bool  # auditing a new version: may record (the review queue), compares with the
    # published version; else re-checking the published table on its own

    def __call__(self, conn: duckdb.DuckDBPyConnection, table_sql: str) -> list[CheckOutcome]:
        audit = MlAudit(conn, self.asset, table_sql, self.staged)
        return [_run(audit, spec) for spec in self.specs]


def _run(audit: MlAudit, spec: MlCheckSpec) -> CheckOutcome:
    """One check's outcome, saying which columns' values it may show (so masking knows what to
    hide): the columns its options name, unless the check says (an empty list: it shows
    counts and statistics only)."""
    try:
        outcome = COMPUTATIONS[spec.kind](audit, spec)
        return replace(outcome, details={"shows_values_of": list(spec.columns), **outcome.details})
    except (ValueError, duckdb.Error) as e:  # the data cannot be judged: say why
        return CheckOutcome(
            check_name=spec.name,
            passed=False,
            severity=spec.severity,
            description=f"{spec.description} Could not be computed.",
            error=f"{type(e).__name__}: {e}",
        )
