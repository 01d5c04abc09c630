"""The row-level checks a contract implies (required, primary key, type, values, min/max,
pattern), computed in DuckDB.

Each is one SQL condition true for the rows it fails, so the audit counts them and the
publication quarantines exactly those rows (wap/decide.py), as it does for a suite's row-level
expectations. They read the typed columns and the delivered text (`_delivered`,
declared/typed_columns.py): a type failure is a value delivered but not castable, and its sample
shows the value as delivered.
"""

import duckdb

from dq_pipelines.checks.gx_runner import SAMPLE_SIZE, CheckOutcome, json_safe
from dq_pipelines.checks.row_conditions import duplicated, matches, sql_literal
from dq_pipelines.declared.contract_checks import (
    AUDIT,
    IN_SET,
    NEW_KEY,
    NOT_NULL,
    PATTERN,
    ROW_LEVEL,
    TYPE,
    UNIQUE,
    ContractCheck,
    contract_checks,
)
from dq_pipelines.declared.contracts import ColumnSpec, SourceContract
from dq_pipelines.declared.typed_columns import delivered_sql, missing_sql
from dq_pipelines.storage.identifiers import quote_identifier


def row_condition(contract: SourceContract, check: ContractCheck, table: str) -> str:
    """SQL true for each row of `table` the check fails."""
    if check.kind == UNIQUE:
        return duplicated(list(contract.primary_key), table)
    if check.kind == NEW_KEY:
        return _published_before(contract, table)
    column = check.column
    if column is None or check.kind not in ROW_LEVEL:
        raise ValueError(f"{check.name} is not a row-level column check")
    missing = missing_sql(column, delivered_sql(column.name))
    typed = quote_identifier(column.name)
    if check.kind == NOT_NULL:
        return missing
    if check.kind == TYPE:
        return f"(not {missing} and {typed} is null)"
    # The others judge the typed value, as a suite expectation would; missing is not judged.
    return f"({typed} is not null and ({_fails(column, typed, check.kind)}))"


def _published_before(contract: SourceContract, table: str) -> str:
    """The row's key is in the published table under another delivery date (an append
    source's raw table exists before its first publication: landing/ingest.py)."""
    same = " and ".join(
        f"p.{quote_identifier(c)} = {table}.{quote_identifier(c)}" for c in contract.key
    )
    return (
        f"exists (select 1 from {quote_identifier(contract.raw_table)} as p "
        f"where p._delivery_date <> {table}._delivery_date and {same})"
    )


def _fails(column: ColumnSpec, typed: str, kind: str) -> str:
    if kind == IN_SET:
        return f"{typed} not in ({', '.join(sql_literal(v) for v in column.values or ())})"
    if kind == PATTERN:
        return f"not {matches(typed, column.pattern or '')}"
    outside = []  # min/max: inclusive bounds
    if column.min is not None:
        outside.append(f"{typed} < {sql_literal(column.min)}")
    if column.max is not None:
        outside.append(f"{typed} > {sql_literal(column.max)}")
    return " or ".join(outside)


def row_conditions(contract: SourceContract, table: str) -> dict[str, str]:
    """The failing-row condition of each row-level check the contract implies, by name."""
    return {
        check.name: row_condition(contract, check, table)
        for check in contract_checks(contract, runs=AUDIT)
        if check.kind in ROW_LEVEL
    }


def _shown(contract: SourceContract, check: ContractCheck) -> tuple[list[str], str]:
    """The columns a failing row is shown by, and their delivered text as one SQL value."""
    keys = {UNIQUE: list(contract.primary_key), NEW_KEY: list(contract.key)}
    names = keys.get(check.kind) or [check.column.name]
    texts = [delivered_sql(n) for n in names]
    return names, texts[0] if len(texts) == 1 else f"[{', '.join(texts)}]"


def row_outcome(
    conn: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    check: ContractCheck,
    table: str,
    record: bool,
) -> CheckOutcome:
    """Count the rows the check fails, with a sample of their delivered text (a not-null
    check samples the missing markers it found, e.g. `NA`; nothing to record). A condition
    DuckDB cannot evaluate fails the check with its error, in words."""
    names, shown = _shown(contract, check)
    kwargs = {"column": names[0]} if len(names) == 1 else {"column_list": names}
    details = {"contract": contract.path.name, "contract_check": check.kind, "kwargs": kwargs}
    try:
        condition = row_condition(contract, check, table)
        ((rows, failing),) = conn.execute(
            f"select count(*), count(*) filter (where {condition}) from {table}"
        ).fetchall()
        sample = conn.execute(
            f"select distinct {shown} from {table} "
            f"where {condition} and {shown} is not null limit {SAMPLE_SIZE}"
        ).fetchall()
    except duckdb.Error as e:
        error = str(e).strip().splitlines()[0]
        return CheckOutcome(
            check.name, False, check.severity,
            f"{check.description} It could not be evaluated: {error}",
            error=error, details=details,
        )  # fmt: skip
    share = failing / rows if rows else 0.0
    said = f"{failing} of {rows} rows ({share:.2%}) fail." if failing else "Every row passes."
    return CheckOutcome(
        check_name=check.name,
        passed=failing == 0,
        severity=check.severity,
        description=f"{check.description} {said}",
        observed_value=failing,
        element_count=rows,
        unexpected_count=failing,
        unexpected_percent=100 * share,
        unexpected_sample=json_safe([value for (value,) in sample]),
        details=details,
    )
