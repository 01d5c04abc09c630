"""Where the history is written: a staged audit's results in its publication's transaction,
as reported; checks on a published table on a connection of their own (checks/history.py,
wap/publish.py)."""

import duckdb
import pytest

from dq_pipelines.checks.gx_runner import CheckOutcome
from dq_pipelines.checks.history import record_checked
from dq_pipelines.declared.project import load_project
from dq_pipelines.declared.suites import ExpectationSpec, SuiteSpec
from dq_pipelines.storage.warehouse import DuckDBWarehouse
from dq_pipelines.wap.publish import audit_and_publish
from dq_pipelines.wap.stage import stage

ROWS = """select i as id, case when i = 7 then null else 'v' || i end as x,
                 'L1' as _load_id from range(100) t(i)"""
NOT_NULL = ExpectationSpec(
    "x__not_null", "expect_column_values_to_not_be_null", {"column": "x"}, "ERROR", ""
)
SUITE = SuiteSpec("t", None, (NOT_NULL,))


def _staged(tmp_path):
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    with warehouse.connect() as conn:
        return warehouse, stage(conn, "t", "run-1", ROWS)


def test_the_recorder_gets_the_outcomes_as_reported_while_the_staged_version_exists(tmp_path):
    warehouse, staged = _staged(tmp_path)
    seen = []

    def record(conn: duckdb.DuckDBPyConnection, outcomes: list[CheckOutcome]) -> None:
        ((load,),) = conn.execute(f"select distinct _load_id from {staged.sql}").fetchall()
        ((decided,),) = conn.execute("select count(*) from dq_publications").fetchall()
        seen.append((load, decided, [(o.check_name, o.passed, o.severity) for o in outcomes]))

    reported, publication = audit_and_publish(
        warehouse, staged, SUITE, 0.05, "run-1", record=record
    )
    assert publication.status == "partial"
    # The one null row was quarantined: reported, and recorded, as a WARN; in the transaction
    # that wrote the publication's row.
    assert seen == [("L1", 1, [("x__not_null", False, "WARN")])]
    assert [(o.check_name, o.severity) for o in reported] == [("x__not_null", "WARN")]


def test_a_recorder_that_fails_rolls_the_publication_back(tmp_path):
    warehouse, staged = _staged(tmp_path)

    def record(conn: duckdb.DuckDBPyConnection, outcomes: list[CheckOutcome]) -> None:
        raise ValueError("history refused")

    with pytest.raises(ValueError, match="history refused"):
        audit_and_publish(warehouse, staged, SUITE, 0.05, "run-1", record=record)
    assert not warehouse.table_exists("t")
    assert warehouse.query("select count(*) as n from dq_publications")["n"].item() == 0


def test_checks_on_a_published_table_are_recorded_with_its_load(tmp_path):
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    with warehouse.connect() as conn:
        conn.execute("create table raw_catalog as select 'catalog-7' as _load_id")
    name = next(c.name for c in load_project().checks if c.asset == "raw_catalog")
    record_checked(warehouse, "raw_catalog", [CheckOutcome(name, True, "ERROR")], "run-9")
    recorded = warehouse.query("select check_name, status, run_id, load_id from dq_check_results")
    assert recorded.values.tolist() == [[name, "passed", "run-9", "catalog-7"]]
