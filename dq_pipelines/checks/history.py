"""The results history: every check evaluation appended to `dq_check_results`, never overwritten.

An audit's outcomes become one row each (`result_rows`), as Dagster reports them: the severity
after the publication's decision (a failure whose rows were quarantined is reported, and
recorded, as a WARN), and values of sensitive columns masked exactly as in the check metadata
(checks/masking.py). A check that did not run because an upstream blocking check failed is a
`blocked` row naming what blocked it (`blocked_rows`). The check's kind and expectation type
come from the project's catalogue of declared checks.

The load id of a row is that of the table version audited, read from its lineage columns
(`_load_id`, or a SQL model's `<source>_load_id`): a raw asset's staged delivery has its own;
a SQL model, or a published table, has one when all its rows come from one load. When the rows
come from several loads (an append source's published table, a model reading two sources), or
the table has no lineage column or does not exist, it is null.

Rows older than `DQ_RESULTS_RETENTION_DAYS` (unset: kept forever) are deleted when a run
records its first results, so once per run, not per check.
"""

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from dq_pipelines.checks.gx_runner import CheckOutcome, TableRef, json_safe
from dq_pipelines.checks.masking import mask_outcome, sensitive_columns
from dq_pipelines.declared.contract_checks import contract_checks
from dq_pipelines.declared.project import Project, load_project
from dq_pipelines.settings import resolved
from dq_pipelines.storage.identifiers import quote_identifier
from dq_pipelines.storage.ops_tables import CHECK_RESULTS, NOW, insert
from dq_pipelines.storage.warehouse import DuckDBWarehouse, table_exists

PASSED, WARNED, FAILED, BLOCKED, ERROR = "passed", "warned", "failed", "blocked", "error"
STATUSES = frozenset({PASSED, WARNED, FAILED, BLOCKED, ERROR})
SUITE, CONTRACT, ML, GOLDEN = "suite", "contract", "ml", "golden"
KINDS = frozenset({SUITE, CONTRACT, ML, GOLDEN})
RETENTION_SETTING = "DQ_RESULTS_RETENTION_DAYS"
_FAILED_AT = {"WARN": WARNED, "ERROR": FAILED}


@dataclass(frozen=True)
class CatalogueEntry:
    """What the project's files say about one check."""

    kind: str
    expectation_type: str  # a suite's GX type, a contract check's kind, an ML check's kind
    severity: str


def check_catalogue(project: Project) -> dict[tuple[str, str], CatalogueEntry]:
    """Every declared check (`Project.checks`) by (asset, check name), with its kind and type."""
    types: dict[tuple[str, str], tuple[str, str]] = {}
    for contract in project.contracts.values():
        types |= {(c.asset, c.name): (CONTRACT, c.kind) for c in contract_checks(contract)}
    for suite in project.suites.values():
        types |= {(suite.asset, e.check_name): (SUITE, e.type) for e in suite.expectations}
    for specs in project.ml_checks.values():
        types |= {(s.asset, s.name): (ML, s.kind) for s in specs}
    types |= {
        (c.asset, c.name): (GOLDEN, case.kind)
        for case in project.golden
        for c in project.checks
        if c.name == case.check_name
    }
    return {
        (c.asset, c.name): CatalogueEntry(*types[(c.asset, c.name)], c.severity)
        for c in project.checks
    }


def status_of(outcome: CheckOutcome) -> str:
    """passed; a failure at WARN is warned, at ERROR failed; an outcome with an error is error."""
    if outcome.error:
        return ERROR
    if outcome.passed:
        return PASSED
    if outcome.severity not in _FAILED_AT:
        raise ValueError(f"check {outcome.check_name!r}: unknown severity {outcome.severity!r}")
    return _FAILED_AT[outcome.severity]


def _declared(
    catalogue: Mapping[tuple[str, str], CatalogueEntry], asset: str, check: str
) -> CatalogueEntry:
    entry = catalogue.get((asset, check))
    if entry is None:
        raise ValueError(f"{asset}:{check} is not a check the project declares")
    return entry


def result_rows(
    asset: str,
    outcomes: Iterable[CheckOutcome],
    run_id: str,
    load_id: str | None,
    project: Project | None = None,
) -> list[dict[str, Any]]:
    """One dq_check_results row per outcome, sensitive values masked as in the metadata."""
    project = project or load_project()
    catalogue = check_catalogue(project)
    sensitive = sensitive_columns(project, asset)
    rows = []
    for outcome in outcomes:
        declared = _declared(catalogue, asset, outcome.check_name)
        shown = mask_outcome(outcome, sensitive)
        observed = json_safe(shown.observed_value)
        percent = shown.unexpected_percent
        rows.append(
            _row(asset, outcome.check_name, declared, status_of(outcome), run_id, load_id)
            | {
                "severity": outcome.severity,
                "observed_value": None if observed is None else json.dumps(observed),
                "element_count": shown.element_count,
                "unexpected_count": shown.unexpected_count,
                "unexpected_percent": None if percent is None else float(percent),
                "description": shown.description,
                "error": shown.error,
            }
        )
    return rows


def blocked_rows(
    checks: Iterable[tuple[str, str]],
    blocked_by: Sequence[str],
    run_id: str,
    load_id: str | None = None,
    project: Project | None = None,
) -> list[dict[str, Any]]:
    """Rows for checks, as (asset, check name), that did not run because the upstream blocking
    checks `blocked_by` ("asset:check" each) failed."""
    if not blocked_by or any(len(b.split(":")) != 2 or not all(b.split(":")) for b in blocked_by):
        raise ValueError(f"blocked_by needs 'asset:check' names, got {list(blocked_by)!r}")
    catalogue = check_catalogue(project or load_project())
    named = ", ".join(blocked_by)
    rows = []
    for asset, check in checks:
        declared = _declared(catalogue, asset, check)
        rows.append(
            _row(asset, check, declared, BLOCKED, run_id, load_id)
            | {
                "severity": declared.severity,
                "blocked_by": list(blocked_by),
                "description": f"Not evaluated: blocked by {named}.",
            }
        )
    return rows


def _row(
    asset: str, check: str, declared: CatalogueEntry, status: str, run_id: str, load_id: str | None
) -> dict[str, Any]:
    return {
        "result_id": uuid.uuid4().hex,
        "evaluated_at": NOW,
        "asset": asset,
        "check_name": check,
        "check_kind": declared.kind,
        "expectation_type": declared.expectation_type,
        "status": status,
        "run_id": run_id,
        "load_id": load_id,
    }


def record_results(conn: duckdb.DuckDBPyConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append rows (from result_rows or blocked_rows); a row of unknown status or kind, or a
    blocked row not saying what blocked it, is refused and nothing is written."""
    for row in rows:
        if row.get("status") not in STATUSES:
            raise ValueError(f"unknown check status {row.get('status')!r}")
        if row.get("check_kind") not in KINDS:
            raise ValueError(f"unknown check kind {row.get('check_kind')!r}")
        if (row["status"] == BLOCKED) != bool(row.get("blocked_by")):
            raise ValueError("blocked_by names what blocked a blocked row, and only one")
    rows_by_columns: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        rows_by_columns.setdefault(tuple(row), []).append(row)
    for same in rows_by_columns.values():
        insert(conn, CHECK_RESULTS, same)


def record_audit(
    conn: duckdb.DuckDBPyConnection,
    asset: str,
    audited: TableRef,
    outcomes: Sequence[CheckOutcome],
    run_id: str,
    project: Project | None = None,
) -> None:
    """Record an audit's outcomes on `audited` (pruning old rows if it is the run's first)."""
    if not outcomes:
        return
    rows = result_rows(asset, outcomes, run_id, audited_load_id(conn, audited), project)
    if not _run_recorded(conn, run_id):
        prune_results(conn, retention_days())
    record_results(conn, rows)


def record_checked(
    warehouse: DuckDBWarehouse, asset: str, outcomes: Sequence[CheckOutcome], run_id: str
) -> None:
    """Record outcomes computed on the asset's published table (checks run on their own, an
    unchanged table audited again, a check of its own), on a connection of its own."""
    with warehouse.connect() as conn:
        record_audit(conn, asset, TableRef(asset), outcomes, run_id)


def audited_load_id(conn: duckdb.DuckDBPyConnection, table: TableRef) -> str | None:
    """The one load a table version's rows come from, by its lineage columns; else None."""
    if not table_exists(conn, table.table, table.schema):
        return None
    columns = [d[0] for d in conn.execute(f"select * from {table.sql} limit 0").description]
    lineage = [c for c in columns if c.endswith("_load_id")]
    if not lineage:
        return None
    ids = " union ".join(
        f"select {quote_identifier(c)}::varchar as id from {table.sql} "
        f"where {quote_identifier(c)} is not null"
        for c in lineage
    )
    found = conn.execute(f"select distinct id from ({ids}) limit 2").fetchall()
    return found[0][0] if len(found) == 1 else None


def _run_recorded(conn: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    ((found,),) = conn.execute(
        "select count(*) from (select 1 from dq_check_results where run_id = ? limit 1)", [run_id]
    ).fetchall()
    return bool(found)


def retention_days() -> int | None:
    """DQ_RESULTS_RETENTION_DAYS in effect: None (unset) keeps every result."""
    value = resolved(RETENTION_SETTING)
    if value is None:
        return None
    if not value.strip().isdigit() or int(value) < 1:
        raise ValueError(
            f"{RETENTION_SETTING} must be a whole number of days, 1 or more: {value!r}"
        )
    return int(value)


def prune_results(conn: duckdb.DuckDBPyConnection, days: int | None) -> int:
    """Delete the results evaluated more than `days` days ago (None: none); returns how many."""
    if days is None:
        return 0
    ((deleted,),) = conn.execute(
        "delete from dq_check_results where evaluated_at < now() - to_days(?)", [days]
    ).fetchall()
    return int(deleted)
