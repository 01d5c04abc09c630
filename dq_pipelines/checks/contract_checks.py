"""The checks a source's contract implies for the rows of a delivery: date formats and data age.

They read whichever copy of the raw table they are given: the staged delivery while it is
audited, or the published table when checks are run on their own.
"""

from datetime import date

import duckdb
import pandas as pd

from dq_pipelines.checks.gx_runner import CheckOutcome
from dq_pipelines.checks.masking import mask
from dq_pipelines.declared.contracts import ColumnSpec, SourceContract
from dq_pipelines.declared.formats import Diagnosis, diagnose, profile
from dq_pipelines.declared.project import (
    AGE_CHECK_SEVERITY,
    FORMAT_CHECK_SEVERITY,
    age_check_name,
    format_check_name,
)
from dq_pipelines.storage.identifiers import quote_identifier
from dq_pipelines.storage.ops_tables import FORMAT_PROFILES, NOW, insert


def format_outcome(
    conn: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    column: ColumnSpec,
    table: str,
    record: bool,
) -> CheckOutcome:
    """Profile a date column against every known format and diagnose; `record` adds the
    profile to the history later deliveries are compared with (once per delivery)."""
    ((day, load_id),) = conn.execute(
        f"select max(_delivery_date), max(_load_id) from {table}"
    ).fetchall()
    found = profile(conn, table, column.name, column.formats)
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
        check_name=format_check_name(column.name),
        passed=diagnosis.passed,
        severity=FORMAT_CHECK_SEVERITY,
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
    conn: duckdb.DuckDBPyConnection, contract: SourceContract, column: ColumnSpec, table: str
) -> CheckOutcome:
    """How much older than the delivery the column's newest value is."""
    ((day, newest),) = conn.execute(
        f"select max(_delivery_date), max({quote_identifier(column.parsed_name)})::date "
        f"from {table}"
    ).fetchall()
    day = pd.Timestamp(day).date() if day is not None else None
    age = (day - newest).days if day is not None and newest is not None else None
    shown = mask(newest) if column.sensitive else newest
    return CheckOutcome(
        check_name=age_check_name(column.name),
        passed=age is not None and age <= column.max_age_days,
        severity=AGE_CHECK_SEVERITY,
        description=(
            f"{contract.name}.{column.name}: newest value {shown} is {age} day(s) older "
            f"than delivery {day} (allowed {column.max_age_days})"
            if age is not None
            else f"{contract.name}.{column.name}: no parseable value in delivery {day}"
        ),
        observed_value=age,
        details={"max_age_days": column.max_age_days},
    )


def delivery_outcomes(
    conn: duckdb.DuckDBPyConnection, contract: SourceContract, table: str, record: bool
) -> list[CheckOutcome]:
    """Every format and age check the contract declares, on `table`."""
    formats = [format_outcome(conn, contract, c, table, record) for c in contract.formatted_columns]
    return formats + [
        age_outcome(conn, contract, c, table)
        for c in contract.columns
        if c.max_age_days is not None
    ]
