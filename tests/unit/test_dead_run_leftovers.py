"""Issue 8 finding 11: a run killed right after its publish commit leaves its staged tables;
they go once the run is over, whatever asset is staged next, or if none is (a duplicate)."""

from dq_pipelines.storage.warehouse import DuckDBWarehouse
from dq_pipelines.wap.stage import AUDIT_SCHEMA, drop_abandoned, stage

ROWS = "select i as id from range(10) t(i)"


def _audit_tables(conn) -> list[str]:
    found = conn.execute(
        "select table_name from information_schema.tables where table_schema = ? order by all",
        [AUDIT_SCHEMA],
    ).fetchall()
    return [name for (name,) in found]


def test_leftovers_of_runs_that_are_over_are_dropped_for_every_asset(tmp_path):
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    over = {"killed-run"}
    with warehouse.connect() as conn:
        stage(conn, "raw_catalog", "killed-run", ROWS)
        conn.execute(f'create table {AUDIT_SCHEMA}."raw_catalog__run_killed-run__failing" (x int)')
        stage(conn, "stg_catalog", "live-run", ROWS)
        # A rerun that stages another asset cleans up the killed run's tables of every asset.
        stage(conn, "raw_labels", "rerun", ROWS, run_is_over=over.__contains__)
        assert _audit_tables(conn) == ["raw_labels__run_rerun", "stg_catalog__run_live-run"]


def test_leftovers_are_dropped_without_staging_anything(tmp_path):
    """The rerun's delivery is a duplicate: nothing is staged, the leftovers still go."""
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    with warehouse.connect() as conn:
        stage(conn, "raw_catalog", "killed-run", ROWS)
        stage(conn, "raw_labels", "live-run", ROWS)
        dropped = drop_abandoned(conn, {"killed-run"}.__contains__)
        assert dropped == ["raw_catalog__run_killed-run"]
        assert _audit_tables(conn) == ["raw_labels__run_live-run"]
        assert drop_abandoned(conn, {"live-run"}.__contains__, asset="raw_catalog") == []
