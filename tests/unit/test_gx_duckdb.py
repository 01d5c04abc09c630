"""Pins the Great Expectations behaviour that checks.gx_duckdb and validate_table rely on.

These tests are meant to fail when a GX (or duckdb-engine) upgrade changes that behaviour: the
failure message says what changed and what in the adapter to revisit.
"""

import inspect
import logging
from pathlib import Path

import duckdb
import pytest

from dq_pipelines.checks.gx_runner import ENGINE_PANDAS, ENGINE_RE2, ENGINE_SQL, validate_table
from dq_pipelines.declared.suites import ExpectationSpec, SuiteSpec
from dq_pipelines.storage.warehouse import DuckDBWarehouse

N_ROWS = 100
REGEX_UNSUPPORTED = "Regex is not supported for dialect duckdb"


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    """A DuckDB file with table t: 100 ids, 10 null names, 3 codes off the AB-nnnn pattern."""
    path = str(tmp_path / "t.duckdb")
    with duckdb.connect(path) as con:
        con.execute(
            f"""create table t as select
                  i::bigint as id,
                  case when i % 10 = 0 then null else 'name ' || i end as name,
                  case when i in (3, 4) then 'ab-' || i when i = 5 then 'AB-1'
                       else 'AB-' || lpad(i::varchar, 4, '0') end as code
                from range({N_ROWS}) r(i)"""
        )
    return path


@pytest.fixture
def gx_context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _batch(datasource, table: str = "t"):
    return (
        datasource.add_table_asset(table, table_name=table)
        .add_batch_definition_whole_table("all")
        .get_batch()
    )


def _expectations():
    import great_expectations as gx

    return (
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="name"),
    )


def _dispose(datasource, batch) -> None:
    """Close the pooled connections these tests' datasources keep open on their tmp files."""
    batch.data.execution_engine.engine.dispose()
    datasource.get_engine().dispose()


def _exception_messages(result) -> list[str]:
    """GX puts exception_info either flat or keyed by metric; the messages, either way."""
    info = result.exception_info or {}
    nested = [v for v in info.values() if isinstance(v, dict)]
    return [str(i.get("exception_message")) for i in [info, *nested] if i.get("raised_exception")]


def test_stock_gx_sql_datasource_computes_nothing_on_duckdb(db_path, gx_context):
    """The bug gx_duckdb exists for: SqlAlchemyExecutionEngine.execute_query reads the result
    after its connection is released, and a DuckDB cursor does not survive that."""
    datasource = gx_context.data_sources.add_sql("stock", connection_string=f"duckdb:///{db_path}")
    batch = _batch(datasource)
    try:
        for expectation in _expectations():
            result = batch.validate(expectation)
            assert result.result == {}, (
                f"GX's stock SQL datasource now computes {expectation.expectation_type} on "
                f"DuckDB (result={result.result}): the execute_query bug seems fixed upstream, so "
                "dq_pipelines.checks.gx_duckdb (DuckDBExecutionEngine/add_duckdb) may no longer be "
                "needed. Check, then remove the adapter and this test."
            )
            assert result.success is False
    finally:
        _dispose(datasource, batch)


def test_duckdb_datasource_computes_the_real_values(db_path, gx_context):
    import dq_pipelines.checks.gx_duckdb as gx_duckdb

    datasource = gx_context.data_sources.add_duckdb(
        "adapted", connection_string=f"duckdb:///{db_path}"
    )
    batch = _batch(datasource)
    try:
        assert isinstance(batch.data.execution_engine, gx_duckdb.DuckDBExecutionEngine)
        row_count, not_null = (batch.validate(e) for e in _expectations())
        assert row_count.success is True
        assert row_count.result == {"observed_value": N_ROWS}
        assert not_null.success is False
        assert not_null.result["element_count"] == N_ROWS
        assert not_null.result["unexpected_count"] == 10
        assert not_null.result["unexpected_percent"] == pytest.approx(10.0)
    finally:
        _dispose(datasource, batch)


def test_sqlalchemy_execution_engine_still_has_what_the_adapter_overrides_and_calls():
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine

    for name in ("execute_query", "get_connection", "_execute_query_with_recovery"):
        assert callable(getattr(SqlAlchemyExecutionEngine, name, None)), (
            f"SqlAlchemyExecutionEngine.{name} is gone in this GX version; "
            "gx_duckdb.DuckDBExecutionEngine.execute_query overrides/calls it: re-read GX's "
            "execute_query and port the adapter (or drop it if GX now buffers rows itself)."
        )
    recovery = inspect.signature(SqlAlchemyExecutionEngine._execute_query_with_recovery)
    assert list(recovery.parameters) == ["connection", "query"], (
        "SqlAlchemyExecutionEngine._execute_query_with_recovery(connection, query) changed "
        f"signature to {recovery}; gx_duckdb.DuckDBExecutionEngine.execute_query calls it."
    )
    execute = inspect.signature(SqlAlchemyExecutionEngine.execute_query)
    assert list(execute.parameters) == ["self", "query"], (
        f"SqlAlchemyExecutionEngine.execute_query now takes {execute}; "
        "gx_duckdb.DuckDBExecutionEngine.execute_query overrides it with (self, query)."
    )


def test_gx_has_no_regex_sql_for_duckdb(db_path, gx_context):
    import great_expectations as gx

    import dq_pipelines.checks.gx_duckdb  # noqa: F401 - registers add_duckdb

    datasource = gx_context.data_sources.add_duckdb(
        "adapted", connection_string=f"duckdb:///{db_path}"
    )
    batch = _batch(datasource)
    try:
        logging.disable(logging.WARNING)  # GX logs the same message; keep the output clean
        result = batch.validate(
            gx.expectations.ExpectColumnValuesToMatchRegex(column="code", regex=r"^AB-\d{4}$")
        )
    finally:
        logging.disable(logging.NOTSET)
        _dispose(datasource, batch)
    assert result.result == {}, (
        f"GX now computes regex in SQL on DuckDB (result={result.result}): validate_table "
        "computes regexes itself in DuckDB (RE2); decide whether GX's SQL would do, and update "
        "this test and RE2_TYPES in tests/integration/test_engine_conformance.py."
    )
    assert any(REGEX_UNSUPPORTED in m for m in _exception_messages(result)), result.exception_info


def _suite() -> SuiteSpec:
    specs = (
        ExpectationSpec(
            "code__pattern",
            "expect_column_values_to_match_regex",
            {"column": "code", "regex": r"^AB-\d{4}$"},
            "ERROR",
            "",
        ),
        ExpectationSpec(
            "name__not_null", "expect_column_values_to_not_be_null", {"column": "name"}, "WARN", ""
        ),
    )
    return SuiteSpec(asset="t", path=None, expectations=specs)


STRFTIME = ExpectationSpec(
    "code__strftime",
    "expect_column_values_to_match_strftime_format",
    {"column": "code", "strftime_format": "%Y"},
    "WARN",
    "",
)


def test_validate_table_runs_regex_in_duckdb_re2(db_path):
    regex, not_null = validate_table(_suite(), DuckDBWarehouse(path=db_path))

    assert regex.details["engine"] == ENGINE_RE2
    assert regex.error is None
    assert regex.passed is False
    assert (regex.element_count, regex.unexpected_count) == (N_ROWS, 3)
    assert regex.unexpected_percent == pytest.approx(3.0)
    assert sorted(regex.unexpected_sample) == ["AB-1", "ab-3", "ab-4"]

    assert not_null.details["engine"] == ENGINE_SQL
    assert "engine_reason" not in not_null.details
    assert (not_null.passed, not_null.unexpected_count) == (False, 10)


@pytest.mark.parametrize("fallback", [False, True], ids=["sql_only", "with_pandas_fallback"])
def test_warehouse_file_is_free_after_validate_table(db_path, fallback):
    suite = _suite()
    if fallback:  # GX has no SQL at all for strftime formats
        suite = SuiteSpec(suite.asset, suite.path, (*suite.expectations, STRFTIME))
    outcomes = validate_table(suite, DuckDBWarehouse(path=db_path))
    assert (ENGINE_PANDAS in {o.details["engine"] for o in outcomes}) is fallback

    # A plain connection (default config) fails while one configured by duckdb-engine is open.
    with duckdb.connect(db_path) as con:
        con.execute("create table after_validation as select count(*) as n from t")
        assert con.execute("select n from after_validation").fetchone() == (N_ROWS,)


def test_a_pooled_gx_connection_would_block_the_file(db_path, gx_context):
    """Control for the test above: without validate_table's NullPool, GX keeps a pooled
    duckdb-engine connection open and a plain duckdb.connect in this process is refused."""
    import dq_pipelines.checks.gx_duckdb  # noqa: F401 - registers add_duckdb

    datasource = gx_context.data_sources.add_duckdb(
        "pooled", connection_string=f"duckdb:///{db_path}"
    )
    batch = _batch(datasource)
    try:
        assert batch.validate(_expectations()[0]).result == {"observed_value": N_ROWS}
        try:
            duckdb.connect(db_path).close()
        except duckdb.ConnectionException as e:
            assert "different configuration" in str(e), e
        else:
            pytest.fail(
                "a pooled GX/duckdb-engine connection no longer blocks a plain duckdb.connect: "
                "validate_table's NullPool may be unnecessary, and the test above no longer "
                "proves anything; revisit both."
            )
    finally:
        _dispose(datasource, batch)
    duckdb.connect(db_path).close()


def test_validate_table_opens_the_database_once_for_all_of_gx_queries(db_path, monkeypatch):
    """GX connects once per metric query; each connection to a file no connection of the
    process has open builds a new DuckDB instance (~40 ms of CPU). validate_table holds the
    database open meanwhile, so only the first of GX's connections opens it."""
    real_connect = duckdb.connect
    opened: list[bool] = []  # per GX connection (duckdb-engine passes a config): opened the file?

    def spying_connect(*args, **kwargs):
        if "config" in kwargs:
            path = kwargs.get("database", args[0] if args else None)
            try:  # a different config is refused while the database is open in this process
                real_connect(path, config={"threads": 1, "custom_user_agent": "probe"}).close()
                opened.append(True)
            except duckdb.ConnectionException as e:
                assert "different configuration" in str(e), e
                opened.append(False)
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", spying_connect)
    outcomes = validate_table(_suite(), DuckDBWarehouse(path=db_path))

    assert [o.details["engine"] for o in outcomes] == [ENGINE_RE2, ENGINE_SQL]
    assert len(opened) > 2, "GX made fewer connections than expected: revisit this test"
    assert opened.count(True) == 1, opened
