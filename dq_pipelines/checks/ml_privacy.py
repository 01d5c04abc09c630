"""Privacy of the training set: no direct identifier reaches it, k-anonymity over the
quasi-identifiers, and the contracts' declared transformations applied before training.

Which columns of an asset are identifiers or quasi-identifiers follows the column lineage from
the contracts' `privacy:` keys (checks/masking.py `derived_columns`), like sensitivity.
"""

import duckdb
import pandas as pd

from dq_pipelines.checks.gx_runner import CheckOutcome, TableRef
from dq_pipelines.checks.masking import derived_columns
from dq_pipelines.checks.ml_table import MlAudit
from dq_pipelines.declared.ml_check_schema import KAnonymityCheck, NoIdentifiersCheck
from dq_pipelines.declared.ml_checks import MlCheckSpec
from dq_pipelines.declared.project import Project, load_project
from dq_pipelines.stats.k_anonymity import k_anonymity as group_sizes
from dq_pipelines.stats.privacy import find_identifiers
from dq_pipelines.stats.privacy_transforms import apply_transforms
from dq_pipelines.storage.identifiers import quote_identifier

# Transforms that leave no direct identifier behind.
_REMOVES_IDENTITY = ("hash", "drop")


def no_identifiers(audit: MlAudit, spec: MlCheckSpec) -> CheckOutcome:
    options: NoIdentifiersCheck = spec.options  # type: ignore[assignment]
    project = load_project()
    declared = derived_columns(project, audit.asset, lambda c: c.privacy == "identifier")
    transforms = privacy_transforms(project, audit.asset)
    removed = {c for c, t in transforms.items() if t in _REMOVES_IDENTITY}
    present = sorted(declared - removed)
    scanned = list(dict.fromkeys([*options.scan_columns, *present]))
    frame = audit.frame(scanned) if scanned else pd.DataFrame(index=range(audit.row_count()))
    report = find_identifiers(frame, declared=declared, pseudonymised=removed)
    too_many = [m for m in report.matches if m.share > options.max_share]
    passed = not report.declared_present and not too_many
    return CheckOutcome(
        check_name=spec.name,
        passed=passed,
        severity=spec.severity,
        description=report.summary()[:1].upper() + report.summary()[1:] + ".",
        element_count=report.rows,
        unexpected_count=sum(m.rows for m in too_many),
        # Shows masked examples only: nothing for masking to hide (see ml_checks._run).
        details=report.metadata() | {"max_share": options.max_share, "shows_values_of": []},
    )


def k_anonymity(audit: MlAudit, spec: MlCheckSpec) -> CheckOutcome:
    options: KAnonymityCheck = spec.options  # type: ignore[assignment]
    quasi = list(options.quasi_identifiers) or sorted(
        derived_columns(load_project(), audit.asset, lambda c: c.privacy == "quasi_identifier")
    )
    if not quasi:
        raise ValueError(f"{audit.asset} has no quasi-identifier column (declared or listed)")
    result = group_sizes(audit.frame(quasi), quasi, options.k)
    return CheckOutcome(
        check_name=spec.name,
        passed=result.passed,
        severity=spec.severity,
        description=result.summary()[:1].upper() + result.summary()[1:] + ".",
        observed_value=result.smallest_group,
        element_count=result.rows,
        unexpected_count=result.rows_below_k,
        unexpected_percent=round(100 * result.share_below_k, 2),
        details=result.metadata() | {"shows_values_of": []},  # counts only, no values
    )


def privacy_transforms(project: Project, asset: str) -> dict[str, str]:
    """The declared transformation of each column of `asset` that carries a source column
    declaring one (`transform:` in its contract)."""
    declared = {c.transform for contract in project.contracts.values() for c in contract.columns}
    found: dict[str, str] = {}
    for transform in sorted(t for t in declared if t):
        for column in derived_columns(project, asset, lambda c, t=transform: c.transform == t):
            found.setdefault(column, transform)
    return found


def apply_privacy_transforms(
    conn: duckdb.DuckDBPyConnection, table: TableRef, transforms: dict[str, str], salt: str | None
) -> None:
    """Rewrite a staged table with its columns transformed (a dropped column stays, empty, so
    the table keeps the schema its checks and readers expect)."""
    if not transforms:
        return
    frame = conn.execute(f"select * from {table.sql}").df()
    changed = apply_transforms(frame, {c: _spec(t) for c, t in transforms.items()}, salt=salt)
    columns = ", ".join(
        quote_identifier(c) if c in changed.columns else f"null as {quote_identifier(c)}"
        for c in frame.columns
    )
    conn.register("transformed", changed)
    try:
        conn.execute(f"create or replace table {table.sql} as select {columns} from transformed")
    finally:
        conn.unregister("transformed")


def _spec(transform: str) -> str | dict[str, object]:
    """A contract's `truncate:2` as the transform's mapping ({'transform': 'truncate', ...})."""
    name, _, value = transform.partition(":")
    if name == "truncate":
        return {"transform": name, "length": int(value)}
    if name == "bucket":
        return {"transform": name, "width": float(value)}
    return name
