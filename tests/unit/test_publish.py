"""Write-audit-publish: the publish/quarantine/hold decision, how checks report it, and
publishing a staged table in a real DuckDB file audited by GX."""

from dataclasses import replace

import pytest

from dq_pipelines.checks.gx_runner import CheckOutcome, validate_table
from dq_pipelines.checks.row_conditions import unexpected_rows
from dq_pipelines.declared.suites import ExpectationSpec, SuiteSpec
from dq_pipelines.storage.warehouse import DuckDBWarehouse
from dq_pipelines.wap.decide import HELD, PARTIAL, PUBLISHED, decide, plan_publication
from dq_pipelines.wap.publish import Publication, as_reported, audit_and_publish
from dq_pipelines.wap.stage import stage


def test_nothing_failed_publishes_everything():
    assert decide([], set(), 0, 100, 0.01).status == PUBLISHED


@pytest.mark.parametrize(
    ("failing", "max_share", "status"),
    [(1, 0.01, PARTIAL), (10, 0.1, PARTIAL), (2, 0.01, HELD), (1, 0.0, HELD)],
)
def test_row_level_failures_are_quarantined_up_to_the_share(failing, max_share, status):
    decision = decide(["title__not_null"], {"title__not_null"}, failing, 100, max_share)
    assert decision.status == status
    assert f"{failing} of 100 rows" in decision.reason


def test_a_statement_about_the_whole_table_holds_the_delivery():
    decision = decide(["row_count", "title__not_null"], {"title__not_null"}, 1, 1000, 0.5)
    assert decision.status == HELD and "row_count failed" in decision.reason
    # the rows that failed are named too (the held reason used to name only row_count)
    assert "1 of 1000 rows failed title__not_null" in decision.reason


def test_an_asset_without_quarantine_is_all_or_nothing():
    decision = decide(["label__in_set"], {"label__in_set"}, 1, 1000, None)
    assert decision.status == HELD and "no quarantine" in decision.reason


def test_an_empty_staged_table_with_failures_is_held():
    assert decide(["x__not_null"], {"x__not_null"}, 0, 0, 0.5).status == HELD


def _publication(status: str) -> Publication:
    return Publication("stg", status, 100, 98 if status == PARTIAL else 0, 2, 0.05, "why", 2,
                       {"title__not_null": 2})  # fmt: skip


OUTCOMES = [
    CheckOutcome("title__not_null", False, "ERROR", "Titles."),
    CheckOutcome("brand__not_null", False, "WARN"),
    CheckOutcome("id__unique", True, "ERROR"),
]


def test_quarantined_failures_are_reported_as_warnings_with_counts():
    title, brand, unique = as_reported(OUTCOMES, _publication(PARTIAL))
    assert (title.passed, title.severity) == (False, "WARN")
    assert title.details == {"publication": PARTIAL, "quarantined_rows": 2}
    assert title.description == "Titles. 2 row(s) quarantined; 98 of 100 rows published (why)"
    assert (brand, unique) == (OUTCOMES[1], OUTCOMES[2])  # WARN and passing checks unchanged


def test_held_failures_stay_errors_and_say_the_table_was_not_updated():
    title = as_reported(OUTCOMES, _publication(HELD))[0]
    assert (title.passed, title.severity, title.details["publication"]) == (False, "ERROR", HELD)
    assert "Not published, the table keeps its previous version (why)" in title.description


# --- publishing a staged table in DuckDB, audited by GX --------------------------------------

ROWS = """select i as id, case when i = 7 then null else 'v' || (i % 5) end as x,
                 'L1' as _load_id, date '2026-01-01' as _delivery_date
          from range(100) t(i)"""


def _spec(name: str, type_: str, **kwargs) -> ExpectationSpec:
    return ExpectationSpec(name, type_, kwargs, "ERROR", "")


def _staged(tmp_path, run_id: str = "run-1"):
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    with warehouse.connect() as conn:
        return warehouse, stage(conn, "t", run_id, ROWS)


@pytest.mark.parametrize(
    "spec",
    [
        _spec("a", "expect_column_values_to_be_in_set", column="x", value_set=["v1", None]),
        _spec("b", "expect_column_values_to_be_in_set", column="x", value_set=[]),
        _spec("c", "expect_column_values_to_not_be_in_set", column="x", value_set=["v1", None]),
        _spec("d", "expect_column_values_to_be_null", column="x"),
        _spec("e", "expect_column_values_to_not_match_regex", column="x", regex="[34]$"),
        _spec("f", "expect_column_value_lengths_to_be_between", column="x", min_value=3),
    ],
    ids=lambda s: s.type.removeprefix("expect_column_") + f"[{s.check_name}]",
)
def test_row_conditions_find_the_rows_gx_counts(tmp_path, spec):
    warehouse, staged = _staged(tmp_path)
    (outcome,) = validate_table(
        SuiteSpec("t", None, (spec,)), warehouse, staged.ref.table, staged.ref.schema
    )
    condition = unexpected_rows(spec, staged.sql)
    ((rows,),) = warehouse.query(f"select count(*) from {staged.sql} where {condition}").values
    assert rows == outcome.unexpected_count


def test_a_check_whose_rows_sql_cannot_find_holds_the_delivery(tmp_path):
    """GX counts every non-null value unexpected for an empty set; if the row condition ever
    disagreed with GX's count, quarantining 'its' rows would publish bad ones: hold instead."""
    warehouse, staged = _staged(tmp_path)
    spec = _spec("x__in_set", "expect_column_values_to_be_in_set", column="x", value_set=[])
    suite = SuiteSpec("t", None, (spec,))
    publication = audit_and_publish(warehouse, staged, suite, 0.99, "run-1")[1]
    assert publication.status == "partial"  # 99 of 100 fail: within a 99% share, and found
    lying = CheckOutcome("x__in_set", False, "ERROR", unexpected_count=3)  # disagrees with SQL
    _, staged = _staged(tmp_path, "run-2")
    with warehouse.connect() as conn:
        plan = plan_publication(conn, staged, [lying], suite, 0.99)
    assert plan.decision.status == "held"
    assert "a statement about all rows" in plan.decision.reason


def test_a_partial_publication_must_still_pass_its_whole_table_checks(tmp_path):
    """100 rows, 1 null: quarantining it leaves 99, which fails a row count of at least 100."""
    warehouse, staged = _staged(tmp_path)
    suite = SuiteSpec(
        "t",
        None,
        (
            _spec("rows", "expect_table_row_count_to_be_between", min_value=100),
            _spec("x__not_null", "expect_column_values_to_not_be_null", column="x"),
        ),
    )
    reported, publication = audit_and_publish(warehouse, staged, suite, 0.05, "run-1")
    assert publication.status == "held"
    assert "rows failed on the 99 rows left after quarantining 1" in publication.reason
    by_name = {o.check_name: o for o in reported}
    assert not by_name["rows"].passed and by_name["rows"].severity == "ERROR"
    assert publication.quarantined_rows == 100  # held: every staged row, nothing lost
    assert not warehouse.table_exists("t")  # nothing was ever published
    leftovers = warehouse.query(
        "select count(*) as n from information_schema.tables where table_schema = 'dq_audit'"
    )
    assert leftovers["n"].item() == 0  # staged table and helpers dropped


def test_deciding_again_on_a_delivery_releases_what_the_earlier_decision_quarantined(tmp_path):
    warehouse, staged = _staged(tmp_path)
    suite = SuiteSpec("t", None, (_spec("x__not_null", "expect_column_values_to_not_be_null",
                                        column="x"),))  # fmt: skip
    assert audit_and_publish(warehouse, staged, suite, 0.05, "run-1")[1].status == "partial"
    _, again = _staged(tmp_path, "run-2")
    assert audit_and_publish(warehouse, again, suite, 0.05, "run-2")[1].status == "partial"
    rows = warehouse.query(
        "select run_id, released_by_run from dq_quarantine order by run_id"
    ).values.tolist()
    assert rows == [["run-1", "run-2"], ["run-2", None]]  # one current copy of the failing row
    assert warehouse.query("select count(*) as n from t")["n"].item() == 99


def test_staging_drops_what_runs_that_are_over_left_behind(tmp_path):
    """A run killed mid-audit leaves its staged tables; the next staging drops them (of every
    asset) once the instance says that run is over, and never a live run's."""
    warehouse, _ = _staged(tmp_path, "killed-run")
    with warehouse.connect() as conn:
        stage(conn, "t", "live-run", ROWS)
        stage(conn, "other", "killed-run", ROWS)
        conn.execute('create view dq_audit."t__run_killed-run__remaining" as select 1')
        stage(conn, "t", "new-run", ROWS, run_is_over=lambda run_id: run_id == "killed-run")
    left = warehouse.query(
        "select table_name from information_schema.tables where table_schema = 'dq_audit' "
        "order by all"
    )["table_name"].tolist()
    assert left == ["t__run_live-run", "t__run_new-run"]


def test_a_publication_decides_publishes_and_cleans_up_on_one_connection(tmp_path, monkeypatch):
    """Each connection costs ~20 ms; only GX's validation needs one of its own (in between)."""
    warehouse, staged = _staged(tmp_path)
    suite = SuiteSpec("t", None, (_spec("x__not_null", "expect_column_values_to_not_be_null",
                                        column="x"),))  # fmt: skip
    opened = []
    connect = DuckDBWarehouse.connect
    monkeypatch.setattr(DuckDBWarehouse, "connect", lambda self: opened.append(1) or connect(self))
    assert audit_and_publish(warehouse, staged, suite, 0.05, "run-1")[1].status == "partial"
    assert len(opened) == 1


def test_an_expectation_duckdb_cannot_evaluate_fails_and_holds_instead_of_crashing(tmp_path):
    """Issue 10, finding 1: a range on a text column (`x` is VARCHAR) made the quarantine SQL
    raise `BinderException: Cannot compare values of type VARCHAR and type DOUBLE`, failing the
    step before anything was recorded. Now the check fails with the error, the delivery is
    held, and the publication (and what `on_publish` records with it) is written."""
    warehouse, staged = _staged(tmp_path)
    spec = _spec("x__between", "expect_column_values_to_be_between", column="x", min_value=0)
    recorded = []
    reported, publication = audit_and_publish(
        warehouse, staged, SuiteSpec("t", None, (spec,)), 0.5, "run-1",
        on_publish=lambda conn, p: recorded.append(p.status),
    )  # fmt: skip
    (check,) = reported
    assert not check.passed and check.severity == "ERROR"
    assert check.error and "could not be found in SQL" in check.description
    assert "Cannot compare values of type VARCHAR" in check.description
    assert publication.status == HELD and recorded == [HELD]
    assert warehouse.query("select status from dq_publications")["status"].tolist() == [HELD]
    assert publication.quarantined_rows == 100  # held: every staged row kept, nothing lost


def test_an_append_source_adds_days_replaces_a_redelivered_day_and_takes_a_new_column(tmp_path):
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))

    def deliver(day: str, rows: int, run: str, extra: str = ""):
        select = (
            f"select i as id{extra}, {{'id': i::varchar}} as _delivered, "
            f"'L-{run}' as _load_id, date '{day}' as _delivery_date from range({rows}) t(i)"
        )
        with warehouse.connect() as conn:
            staged = replace(stage(conn, "events", run, select), append=True)
        return audit_and_publish(warehouse, staged, None, 0.0, run)[1]

    def by_day() -> dict[str, int]:
        counted = warehouse.query(
            "select _delivery_date::varchar as d, count(*) as n from events group by 1 order by 1"
        )
        return dict(zip(counted["d"], counted["n"], strict=True))

    deliver("2026-01-01", 3, "r1")
    published = deliver("2026-01-02", 2, "r2")
    assert (published.published_rows, published.table_rows) == (2, 5)
    assert by_day() == {"2026-01-01": 3, "2026-01-02": 2}
    deliver("2026-01-02", 4, "r3")  # a corrected re-delivery of day 2 replaces its rows only
    assert by_day() == {"2026-01-01": 3, "2026-01-02": 4}
    # The contract gained a column: earlier rows keep theirs, with the new one missing.
    deliver("2026-01-03", 1, "r4", extra=", 'x' as added")
    assert by_day() == {"2026-01-01": 3, "2026-01-02": 4, "2026-01-03": 1}
    added = warehouse.query("select count(added) as n from events")["n"].item()
    assert added == 1
