"""How the checks a source's contract implies are computed (their names, severities and texts
are declared once in declared/contract_checks.py, which may not import this package).

The checks that run in the delivery audit (formats, ages, and the row-level ones of
contract_rows.py) read whichever copy of the raw table
they are given: the staged delivery while it is audited, or the published table when checks are
run on their own; AUDIT_COMPUTATIONS maps each such kind to its computation. The acceptance and
freshness checks read the pipeline's records.
"""

from collections.abc import Callable
from datetime import date

import duckdb
import pandas as pd

from dq_pipelines.checks.contract_rows import row_outcome
from dq_pipelines.checks.gx_runner import CheckOutcome
from dq_pipelines.checks.masking import mask
from dq_pipelines.declared.contract_checks import AUDIT, ROW_LEVEL, ContractCheck, contract_checks
from dq_pipelines.declared.contracts import ColumnSpec, SourceContract
from dq_pipelines.declared.formats import Diagnosis, diagnose, profile
from dq_pipelines.declared.typed_columns import delivered_sql, missing_sql
from dq_pipelines.storage.identifiers import quote_identifier
from dq_pipelines.storage.ops_tables import FORMAT_PROFILES, NOW, insert
from dq_pipelines.storage.warehouse import DuckDBWarehouse


def format_outcome(
    conn: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    check: ContractCheck,
    table: str,
    record: bool,
) -> CheckOutcome:
    """Profile a date column against every known format and diagnose; `record` adds the
    profile to the history later deliveries are compared with (once per delivery)."""
    column = _column(check)
    ((day, load_id),) = conn.execute(
        f"select max(_delivery_date), max(_load_id) from {table}"
    ).fetchall()
    # Profiled on the delivered text: the typed column holds only what parsed.
    delivered = delivered_sql(column.name)
    text = (
        f"(select case when {missing_sql(column, delivered)} then null else {delivered} end "
        f"as {quote_identifier(column.name)} from {table})"
    )  # missing markers (`null_values`) are not values in another format
    found = profile(conn, text, column.name, column.formats)
    ((previous,),) = conn.execute(
        "select count(distinct delivery_date) from dq_format_profiles "
        "where source = ? and column_name = ? and passed and delivery_date < ?",
        [contract.name, column.name, day],
    ).fetchall()
    where = f"{contract.name}.{column.name} in delivery {day}"
    diagnosis = diagnose(found, where, column.formats, contract.min_format_share, previous)
    if record:
        _record_profile(conn, contract, column, day, load_id, diagnosis)
    return CheckOutcome(
        check_name=check.name,
        passed=diagnosis.passed,
        severity=check.severity,
        description=diagnosis.message,
        observed_value=diagnosis.dominant,
        element_count=found.values,
        unexpected_count=found.values - found.accepted_matches,
        unexpected_percent=100 * (1 - diagnosis.accepted_share),
        details={
            "format_shares": {k: v / max(found.values, 1) for k, v in found.matches.items() if v}
        },
    )


def _record_profile(
    conn: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    column: ColumnSpec,
    day: date,
    load_id: str,
    diagnosis: Diagnosis,
) -> None:
    row = {
        "source": contract.name,
        "column_name": column.name,
        "delivery_date": day,
        "load_id": load_id,
        "dominant_format": diagnosis.dominant,
        "dominant_share": diagnosis.dominant_share,
        "accepted_share": diagnosis.accepted_share,
        "passed": diagnosis.passed,
        "profiled_at": NOW,
    }
    insert(conn, FORMAT_PROFILES, [row])


def age_outcome(
    conn: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    check: ContractCheck,
    table: str,
    record: bool,
) -> CheckOutcome:
    """How much older than the delivery the column's newest value is (nothing to record)."""
    column = _column(check)
    ((day, newest),) = conn.execute(
        f"select max(_delivery_date), max({quote_identifier(column.name)})::date from {table}"
    ).fetchall()
    day = pd.Timestamp(day).date() if day is not None else None
    age = (day - newest).days if day is not None and newest is not None else None
    shown = mask(newest) if column.sensitive else newest
    return CheckOutcome(
        check_name=check.name,
        passed=age is not None and age <= column.max_age_days,
        severity=check.severity,
        description=(
            f"{contract.name}.{column.name}: newest value {shown} is {age} day(s) older "
            f"than delivery {day} (allowed {column.max_age_days})"
            if age is not None
            else f"{contract.name}.{column.name}: no parseable value in delivery {day}"
        ),
        observed_value=age,
        details={"max_age_days": column.max_age_days},
    )


def _column(check: ContractCheck) -> ColumnSpec:
    if check.column is None:
        raise ValueError(f"{check.name} is not a column check")
    return check.column


AuditComputation = Callable[
    [duckdb.DuckDBPyConnection, SourceContract, ContractCheck, str, bool], CheckOutcome
]
# How each kind of contract check that runs in the delivery audit is computed.
AUDIT_COMPUTATIONS: dict[str, AuditComputation] = {
    "format": format_outcome,
    "age": age_outcome,
} | dict.fromkeys(ROW_LEVEL, row_outcome)


def delivery_outcomes(
    conn: duckdb.DuckDBPyConnection, contract: SourceContract, table: str, record: bool
) -> list[CheckOutcome]:
    """Every check the contract declares to run in the delivery audit, on `table`."""
    return [
        AUDIT_COMPUTATIONS[check.kind](conn, contract, check, table, record)
        for check in contract_checks(contract, runs=AUDIT)
    ]


def acceptance_outcome(
    warehouse: DuckDBWarehouse, check: ContractCheck, source: str
) -> CheckOutcome:
    """Whether the source's newest delivery (by arrival) was accepted, from dq_manifest."""
    latest = warehouse.query(
        "select delivery_date, status, reason, list(original_name) as files "
        "from dq_manifest where source = ? group by all "
        "order by max(arrived_at) desc limit 1",
        [source],
    )
    row = latest.iloc[0] if not latest.empty else None
    return CheckOutcome(
        check_name=check.name,
        passed=row is not None and row["status"] != "rejected",
        severity=check.severity,
        description=(
            f"{source} delivery {row['delivery_date'].date()} {row['status']}"
            + (f": {row['reason']}" if row["reason"] else "")
            + _columns_note(warehouse, source, row["status"])
            if row is not None
            else "no delivery recorded"
        ),
        observed_value=row["status"] if row is not None else None,
        details={"files": list(row["files"]) if row is not None else []},
    )


def _columns_note(warehouse: DuckDBWarehouse, source: str, status: str) -> str:
    """The latest load's columns against the last accepted load's, when it or the attempt
    before it was rejected: Dagster's column_schema_change compares with the previous
    materialization, rejected or not, and says nothing useful then."""
    loads = warehouse.query(
        "select any_value(status) as status, any_value(delivery_date) as day, "
        "any_value(columns) as columns "
        "from dq_loads where source = ? group by load_id order by max(started_at) desc",
        [source],
    )
    statuses = list(loads["status"])
    accepted = [i for i, s in enumerate(statuses) if s in ("loaded", "held", "replaced")]
    earlier = [i for i in accepted if i > 0]
    if not earlier or statuses[0] != status or "rejected" not in statuses[:2]:
        return ""
    latest, before = loads.iloc[0], loads.iloc[earlier[0]]
    was, now, day = list(before["columns"]), list(latest["columns"]), before["day"].date()
    if not now:
        return f" (its header could not be read; the last accepted delivery, {day}, had: " + (
            f"{', '.join(was)})"
        )
    missing, new = [c for c in was if c not in now], [c for c in now if c not in was]
    if not (missing or new):
        return f" (same columns as the last accepted delivery, {day})"
    return f" (against the last accepted delivery, {day}: missing {missing}, new {new})"


def freshness_outcome(
    warehouse: DuckDBWarehouse,
    contract: SourceContract,
    check: ContractCheck,
    expected: date | None,
) -> CheckOutcome:
    """How many days the loaded delivery is behind `expected`, the newest of any source."""
    allowed = contract.freshness.max_delivery_lag_days
    loaded = None  # nothing published yet (the first delivery was held or refused)
    if warehouse.table_exists(contract.raw_table):
        (loaded,) = warehouse.query(
            f"select max(_delivery_date) from {quote_identifier(contract.raw_table)}"
        ).iloc[0]
    lag = (expected - loaded.date()).days if expected and loaded is not None else None
    return CheckOutcome(
        check_name=check.name,
        passed=lag is not None and lag <= allowed,
        severity=check.severity,
        description=(
            f"{contract.name}: the loaded delivery {loaded.date() if loaded else None} is "
            f"{lag} day(s) behind the newest delivery of any source ({expected}); "
            f"allowed {allowed}"
        ),
        observed_value=lag,
        details={"max_delivery_lag_days": allowed},
    )
