"""Running a suite with Great Expectations and turning its results into check outcomes.

Suites run inside DuckDB through GX's SQL engine (see gx_duckdb), at scan speed and without
pulling the table into memory. Regex expectations, which GX cannot compute in SQL on DuckDB,
are computed here in DuckDB with RE2 (see regexes.py): Python's backtracking engine, which GX's
pandas engine would use, can hang a step on a hostile pattern and value. Any other
expectation GX cannot compute in SQL on DuckDB is re-run in pandas on just the columns it
needs, and its metadata says so and why.

`CheckOutcome` is the one result shape every check shares, whatever computes it, so metadata,
alerts and history read the same fields.
"""

import logging
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd

from dq_pipelines.checks.row_conditions import REGEX_TYPES, unexpected_condition
from dq_pipelines.declared.suites import ExpectationSpec, SuiteSpec
from dq_pipelines.storage.identifiers import quote_identifier
from dq_pipelines.storage.warehouse import DuckDBWarehouse

__all__ = ["CheckOutcome", "TableRef", "json_safe", "quote_identifier", "validate_table"]

SAMPLE_SIZE = 5
ENGINE_SQL = "duckdb-sql"
ENGINE_RE2 = "duckdb-re2"
ENGINE_PANDAS = "pandas"
_CHECK_META_KEY = "dq_check"


@dataclass(frozen=True)
class TableRef:
    table: str
    schema: str = "main"

    @property
    def sql(self) -> str:
        return f"{quote_identifier(self.schema)}.{quote_identifier(self.table)}"


@dataclass(frozen=True)
class CheckOutcome:
    check_name: str
    passed: bool
    severity: str
    description: str = ""
    observed_value: Any = None
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    unexpected_sample: list[Any] = field(default_factory=list)
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def json_safe(value: Any) -> Any:
    """numpy scalars, NaN/NA/NaT, decimals and timestamps as plain JSON values.

    Both engines must report the same value the same way: SQL gives Decimal and None where
    pandas gives float64 and pd.NA/pd.NaT.
    """
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Decimal):
        value = float(value)
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _gx_context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _gx_suite(name: str, specs: Iterable[ExpectationSpec]):
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    expectations = [
        ExpectationConfiguration(
            type=spec.type, kwargs=dict(spec.kwargs), meta={_CHECK_META_KEY: spec.check_name}
        ).to_domain_obj()
        for spec in specs
    ]
    return gx.ExpectationSuite(name=name, expectations=expectations)


def _results_by_check(batch, name: str, specs: list[ExpectationSpec]) -> dict[str, Any]:
    result = batch.validate(_gx_suite(name, specs), result_format="SUMMARY")
    return {r.expectation_config.meta[_CHECK_META_KEY]: r for r in result.results}


def _validate_pandas(
    asset: str, specs: list[ExpectationSpec], df: pd.DataFrame, reason: str
) -> list[CheckOutcome]:
    batch = (
        _gx_context()
        .data_sources.add_pandas("dq")
        .add_dataframe_asset(asset)
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": df})
    )
    results = _results_by_check(batch, asset, specs)
    engine = {"engine": ENGINE_PANDAS, "engine_reason": reason}
    return [_outcome(spec, results[spec.check_name], engine) for spec in specs]


class _GXWarnings(logging.Handler):
    """Collects what GX logs while it plans SQL (e.g. 'Regex is not supported for dialect')."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _gx_error(result) -> str | None:
    """The error GX hit computing a result: top-level, or nested under each metric it computed."""
    info = result.exception_info or {}
    found = [info] + [v for v in info.values() if isinstance(v, dict)]
    messages = [str(e.get("exception_message")) for e in found if e.get("raised_exception")]
    return "; ".join(sorted(set(messages))) or None


def _sql_reason(result) -> str | None:
    """Why a SQL result is unusable, or None when GX computed it."""
    if error := _gx_error(result):
        return f"GX SQL engine raised: {error}"
    if not result.result:
        return "GX's SQL engine computed no result for this expectation on DuckDB"
    return None


def validate_table(
    suite: SuiteSpec, warehouse: DuckDBWarehouse, table: str | None = None, schema: str = "main"
) -> list[CheckOutcome]:
    """Validate a warehouse table (default: the suite's asset) in one pass.

    One outcome per expectation, in suite order. `schema` lets a staged copy be audited
    before it is published (see publish.py).
    """
    where = TableRef(table or suite.asset, schema)
    regexes = [e for e in suite.expectations if e.type in REGEX_TYPES]
    others = [e for e in suite.expectations if e.type not in REGEX_TYPES]
    outcomes = {o.check_name: o for o in _regex_outcomes(warehouse, regexes, where)}
    if others and suite.engine == ENGINE_PANDAS:
        df = warehouse.query(f"select * from {where.sql}")
        done = _validate_pandas(suite.asset, others, df, "suite meta.engine is 'pandas'")
        outcomes |= {o.check_name: o for o in done}
    elif others:
        outcomes |= _validate_with_gx_sql(suite, warehouse, others, where)
    return [outcomes[spec.check_name] for spec in suite.expectations]


def _validate_with_gx_sql(
    suite: SuiteSpec, warehouse: DuckDBWarehouse, specs: list[ExpectationSpec], where: TableRef
) -> dict[str, CheckOutcome]:
    """GX's SQL engine in DuckDB, falling back to pandas per expectation it cannot compute."""
    from dq_pipelines.checks.gx_duckdb import DuckDBDatasource  # noqa: F401 - registers add_duckdb

    gx_log, warnings = logging.getLogger("great_expectations"), _GXWarnings()
    gx_log.addHandler(warnings)
    try:
        results = warehouse.wait_for_lock(
            lambda: _validate_in_duckdb(suite, warehouse, specs, where)
        )
    finally:
        gx_log.removeHandler(warnings)
    outcomes: dict[str, CheckOutcome] = {}
    fallback: dict[str, str] = {}
    for spec in specs:
        reason = _sql_reason(results[spec.check_name])
        if reason is None:
            outcomes[spec.check_name] = _outcome(
                spec, results[spec.check_name], {"engine": ENGINE_SQL}
            )
        else:
            fallback[spec.check_name] = "; ".join([reason, *sorted(set(warnings.messages))])
    if fallback:
        outcomes |= _pandas_fallback(suite, warehouse, fallback, where)
    return outcomes


def _regex_outcomes(
    warehouse: DuckDBWarehouse, specs: list[ExpectationSpec], where: TableRef
) -> list[CheckOutcome]:
    """Regex expectations computed as GX computes them (counts, percent, `mostly`, sample),
    with the unexpected-row condition quarantine uses, in DuckDB's linear-time RE2."""
    if not specs:
        return []
    with warehouse.connect() as conn:
        return [_regex_outcome(conn, spec, where) for spec in specs]


def _regex_outcome(
    conn: duckdb.DuckDBPyConnection, spec: ExpectationSpec, where: TableRef
) -> CheckOutcome:
    details = {
        "expectation_type": spec.type,
        "kwargs": json_safe(dict(spec.kwargs)),
        "engine": ENGINE_RE2,
    }
    column = quote_identifier(spec.kwargs["column"])
    try:
        unexpected = unexpected_condition(spec, where.sql)
        ((rows, values, failing),) = conn.execute(
            f"select count(*), count({column}), count(*) filter (where {unexpected}) "
            f"from {where.sql}"
        ).fetchall()
        sample = conn.execute(
            f"select {column} from {where.sql} where {unexpected} limit {SAMPLE_SIZE}"
        ).fetchall()
    except (duckdb.Error, ValueError) as e:
        return CheckOutcome(
            spec.check_name, False, spec.severity, spec.description, error=str(e), details=details
        )
    mostly = float(spec.kwargs.get("mostly", 1.0))
    return CheckOutcome(
        check_name=spec.check_name,
        # As GX: vacuously true with no values to check.
        passed=values == 0 or (values - failing) / values >= mostly,
        severity=spec.severity,
        description=spec.description,
        element_count=rows,
        unexpected_count=failing,
        unexpected_percent=failing / values * 100 if values else None,  # as GX rounds it
        unexpected_sample=json_safe([value for (value,) in sample]),
        details=details,
    )


def _validate_in_duckdb(
    suite: SuiteSpec, warehouse: DuckDBWarehouse, specs: list[ExpectationSpec], where: TableRef
) -> dict[str, Any]:
    # GX opens a connection per metric query (about 7 a suite); held open, the warehouse's
    # database is built once for them all (see DuckDBWarehouse.held_open).
    with warehouse.held_open(), warehouse.validation_memory():
        datasource = _gx_context().data_sources.add_duckdb(
            "warehouse",
            connection_string=warehouse.sqlalchemy_url(),
            kwargs=warehouse.sqlalchemy_engine_kwargs(),
        )
        batch = (
            # A query asset, not a table asset: GX 1.24 drops a table asset's schema from some
            # metric queries, and audits read the staged copy in the dq_audit schema.
            datasource.add_query_asset(suite.asset, query=f"select * from {where.sql}")
            .add_batch_definition_whole_table("all")
            .get_batch()
        )
        return _results_by_check(batch, suite.asset, specs)


def _pandas_fallback(
    suite: SuiteSpec, warehouse: DuckDBWarehouse, reasons: dict[str, str], where: TableRef
) -> dict[str, CheckOutcome]:
    """Re-run the expectations SQL could not compute, fetching only the columns they name."""
    specs = [e for e in suite.expectations if e.check_name in reasons]
    columns = sorted({c for e in specs for c in e.columns})
    if all(e.columns for e in specs):
        quoted = ", ".join(quote_identifier(c) for c in columns)
        df = warehouse.query(f"select {quoted} from {where.sql}")
    else:
        df = warehouse.query(f"select * from {where.sql}")
    done = _validate_pandas(suite.asset, specs, df, "")
    return {
        o.check_name: replace(o, details=o.details | {"engine_reason": reasons[o.check_name]})
        for o in done
    }


def _outcome(spec: ExpectationSpec, result, engine: dict[str, str]) -> CheckOutcome:
    details = json_safe(dict(result.result or {}))
    return CheckOutcome(
        check_name=spec.check_name,
        passed=bool(result.success),
        severity=spec.severity,
        description=spec.description,
        observed_value=details.get("observed_value"),
        element_count=details.get("element_count"),
        unexpected_count=details.get("unexpected_count"),
        unexpected_percent=details.get("unexpected_percent"),
        unexpected_sample=(details.get("partial_unexpected_list") or [])[:SAMPLE_SIZE],
        error=_gx_error(result),
        details={"expectation_type": spec.type, "kwargs": json_safe(dict(spec.kwargs))} | engine,
    )
