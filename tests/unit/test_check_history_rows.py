"""The results history (checks/history.py): rows per status and kind, masking, refusals,
the load id of what was audited, and retention by age only."""

import json
from collections.abc import Iterator

import duckdb
import pytest

from dq_pipelines.checks.gx_runner import CheckOutcome, TableRef
from dq_pipelines.checks.history import (
    RETENTION_SETTING,
    audited_load_id,
    blocked_rows,
    check_catalogue,
    prune_results,
    record_audit,
    record_results,
    result_rows,
    retention_days,
    status_of,
)
from dq_pipelines.declared.contract_checks import NOT_NULL, contract_checks
from dq_pipelines.declared.project import Project, load_project
from dq_pipelines.storage.ops_tables import CHECK_RESULTS

SECRET = "alice.private@example.com"


@pytest.fixture(scope="module")
def project() -> Project:
    """Read once for the module (every function here is given it, none loads it again)."""
    return load_project()


@pytest.fixture
def conn() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as conn:
        conn.execute(CHECK_RESULTS.create_sql())  # the one table recorded in
        yield conn


@pytest.fixture
def query_check(project: Project) -> str:
    """raw_feedback's contract check that feedback.query (sensitive) is present."""
    (check,) = [
        c
        for c in contract_checks(project.contracts["feedback"])
        if c.kind == NOT_NULL and c.column is not None and c.column.name == "query"
    ]
    return check.name


def _suite_check(project: Project) -> tuple[str, str, str]:
    expectation = project.suites["stg_feedback"].expectations[0]
    return "stg_feedback", expectation.check_name, expectation.type


def _results(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    return conn.execute(
        "select asset, check_name, status, run_id, load_id from dq_check_results order by all"
    ).fetchall()


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (CheckOutcome("c", True, "ERROR"), "passed"),
        (CheckOutcome("c", False, "WARN"), "warned"),
        (CheckOutcome("c", False, "ERROR"), "failed"),
        (CheckOutcome("c", False, "ERROR", error="GX raised"), "error"),
        (CheckOutcome("c", True, "WARN", error="could not compute"), "error"),
    ],
)
def test_each_outcome_has_its_status(outcome: CheckOutcome, status: str) -> None:
    assert status_of(outcome) == status


def test_a_failure_of_unknown_severity_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown severity 'FATAL'"):
        status_of(CheckOutcome("c", False, "FATAL"))


def test_kind_and_expectation_type_come_from_the_catalogue(project: Project, query_check: str):
    asset, check, gx_type = _suite_check(project)
    (suite_row,) = result_rows(asset, [CheckOutcome(check, True, "ERROR")], "run-1", "l-1", project)
    assert (suite_row["check_kind"], suite_row["expectation_type"]) == ("suite", gx_type)
    assert (suite_row["run_id"], suite_row["load_id"], suite_row["status"]) == (
        "run-1",
        "l-1",
        "passed",
    )
    outcome = CheckOutcome(query_check, False, "ERROR")
    (contract_row,) = result_rows("raw_feedback", [outcome], "run-1", None, project)
    assert (contract_row["check_kind"], contract_row["expectation_type"]) == ("contract", NOT_NULL)
    ml = project.ml_checks["stg_labels"][0]
    (ml_row,) = result_rows(ml.asset, [CheckOutcome(ml.name, True, "WARN")], "r", None, project)
    assert (ml_row["check_kind"], ml_row["expectation_type"]) == ("ml", ml.kind)
    # Every declared check is in the catalogue, with a kind.
    assert len(check_catalogue(project)) == len({(c.asset, c.name) for c in project.checks})


def test_figures_are_recorded_as_numbers_and_json(project: Project) -> None:
    asset, check, _ = _suite_check(project)
    outcome = CheckOutcome(
        check, False, "WARN", "Ranks.", {"min": 1}, 34, 1, 2.941176470588235, ["9"]
    )
    (row,) = result_rows(asset, [outcome], "r", None, project)
    assert json.loads(row["observed_value"]) == {"min": 1}
    assert (row["element_count"], row["unexpected_count"]) == (34, 1)
    assert row["unexpected_percent"] == pytest.approx(2.941176470588235)
    assert (row["status"], row["severity"], row["description"]) == ("warned", "WARN", "Ranks.")


def test_values_of_a_sensitive_column_are_masked_as_in_the_metadata(
    project: Project, query_check: str, conn: duckdb.DuckDBPyConnection
) -> None:
    outcome = CheckOutcome(
        query_check,
        False,
        "ERROR",
        observed_value={"most_common": SECRET},
        unexpected_sample=[SECRET],
        details={"kwargs": {"column": "query"}},
    )
    rows = result_rows("raw_feedback", [outcome], "r", None, project)
    assert json.loads(rows[0]["observed_value"]) == {"most_common": "a***(25)"}
    record_results(conn, rows)
    stored = conn.execute("select * from dq_check_results").fetchall()
    assert len(stored) == 1 and "alice" not in str(stored)


def test_a_check_the_project_does_not_declare_is_refused(project: Project) -> None:
    with pytest.raises(ValueError, match="raw_feedback:no_such_check is not a check"):
        result_rows(
            "raw_feedback", [CheckOutcome("no_such_check", True, "ERROR")], "r", None, project
        )


def test_blocked_checks_say_what_blocked_them(project: Project, conn) -> None:
    asset, check, gx_type = _suite_check(project)
    blocker = "stg_catalog:title__not_null"
    (row,) = blocked_rows([(asset, check)], [blocker], "run-2", "l-2", project)
    assert (row["status"], row["blocked_by"], row["expectation_type"]) == (
        "blocked",
        [blocker],
        gx_type,
    )
    assert blocker in row["description"]
    record_results(conn, [row])
    assert conn.execute("select blocked_by from dq_check_results").fetchall() == [([blocker],)]


@pytest.mark.parametrize("blocked_by", [[], ["title__not_null"], ["stg_catalog:"], ["a:b:c"]])
def test_blocked_rows_need_asset_check_names(project: Project, blocked_by: list[str]) -> None:
    asset, check, _ = _suite_check(project)
    with pytest.raises(ValueError, match="asset:check"):
        blocked_rows([(asset, check)], blocked_by, "r", None, project)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "skipped-ish"}, "unknown check status"),
        ({"check_kind": "sql"}, "unknown check kind"),
        ({"blocked_by": ["a:b"]}, "blocked_by"),
    ],
)
def test_bad_rows_are_refused_and_nothing_is_written(project, conn, change, message) -> None:
    asset, check, _ = _suite_check(project)
    good, bad = result_rows(asset, [CheckOutcome(check, True, "ERROR")] * 2, "r", None, project)
    with pytest.raises(ValueError, match=message):
        record_results(conn, [good, bad | change])
    assert _results(conn) == []


def test_two_recordings_append(project: Project, conn: duckdb.DuckDBPyConnection) -> None:
    asset, check, _ = _suite_check(project)
    record_results(
        conn, result_rows(asset, [CheckOutcome(check, True, "ERROR")], "r1", None, project)
    )
    record_results(
        conn, result_rows(asset, [CheckOutcome(check, False, "ERROR")], "r2", None, project)
    )
    assert _results(conn) == [
        (asset, check, "failed", "r2", None),
        (asset, check, "passed", "r1", None),
    ]


def test_the_load_id_is_the_one_load_the_audited_rows_come_from(conn) -> None:
    for name, select in {
        "one": "'x' as v, 'catalog-1' as _load_id",
        "model": "'catalog-1' as catalog_load_id, null as labels_load_id",
        "two": "* from (values ('catalog-1'), ('catalog-2')) t(_load_id)",
        "joined": "'c-1' as catalog_load_id, 'l-1' as labels_load_id",
        "plain": "1 as v",
    }.items():
        conn.execute(f"create table {name} as select {select}")
    found = {t: audited_load_id(conn, TableRef(t)) for t in ("one", "model", "two", "joined")}
    assert found == {"one": "catalog-1", "model": "catalog-1", "two": None, "joined": None}
    assert audited_load_id(conn, TableRef("plain")) is None
    assert audited_load_id(conn, TableRef("missing")) is None


def _aged_rows(conn: duckdb.DuckDBPyConnection, days: int, tag: str = "") -> None:
    """A row one day younger than `days`, 'young', and one a day older, 'old' (+ tag)."""
    conn.execute(
        "insert into dq_check_results (result_id, evaluated_at, asset, check_name, status, run_id) "
        "values (?, now() - to_days(?), 'a', 'c', 'passed', 'old-run'), "
        "(?, now() - to_days(?), 'a', 'c', 'passed', 'old-run')",
        [f"young{tag}", days - 1, f"old{tag}", days + 1],
    )


def _ids(conn: duckdb.DuckDBPyConnection) -> set[str]:
    return {r for (r,) in conn.execute("select result_id from dq_check_results").fetchall()}


def test_retention_prunes_only_rows_older_than_the_limit(conn) -> None:
    _aged_rows(conn, 30)
    assert prune_results(conn, None) == 0  # the default keeps everything
    assert conn.execute("select count(*) from dq_check_results").fetchone() == (2,)
    assert prune_results(conn, 30) == 1
    assert _ids(conn) == {"young"}


def test_retention_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RETENTION_SETTING, raising=False)
    assert retention_days() is None
    monkeypatch.setenv(RETENTION_SETTING, "90")
    assert retention_days() == 90
    for bad in ("0", "-3", "ninety", "1.5"):
        monkeypatch.setenv(RETENTION_SETTING, bad)
        with pytest.raises(ValueError, match=RETENTION_SETTING):
            retention_days()


def test_a_run_prunes_once_when_it_records_its_first_results(project, conn, monkeypatch):
    monkeypatch.setenv(RETENTION_SETTING, "30")
    asset, check, _ = _suite_check(project)
    outcomes = [CheckOutcome(check, True, "ERROR")]
    _aged_rows(conn, 30)
    record_audit(conn, asset, TableRef("missing"), outcomes, "run-1", project)
    assert "young" in _ids(conn) and "old" not in _ids(conn)
    _aged_rows(conn, 30, tag="-2")  # old rows again: the same run does not prune twice
    record_audit(conn, asset, TableRef("missing"), outcomes, "run-1", project)
    assert {"young", "young-2", "old-2"} <= _ids(conn)
    recorded = conn.execute("select count(*) from dq_check_results where run_id = 'run-1'")
    assert recorded.fetchone() == (2,)
