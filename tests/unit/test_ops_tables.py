"""The dq_* tables: created once (not per connection), migrated, written by column name."""

import duckdb
import pytest

from dq_pipelines.storage.ops_tables import (
    MANIFEST,
    MODEL_METRICS,
    NOW,
    insert,
    ops_ddl,
    ops_tables_current,
)
from dq_pipelines.storage.warehouse import DuckDBWarehouse


def test_ddl_runs_only_when_a_declared_column_is_missing(tmp_path, monkeypatch):
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    with warehouse.connect() as conn:
        assert ops_tables_current(conn)
        conn.execute("alter table dq_manifest drop column reason")  # a warehouse from before
        assert not ops_tables_current(conn)
    with warehouse.connect() as conn:  # migrated on the next connection
        assert ops_tables_current(conn)
        executed = []
        monkeypatch.setattr(
            "dq_pipelines.storage.ops_tables.ops_ddl", lambda: executed.append(1) or ops_ddl()
        )
    with warehouse.connect():
        assert executed == []  # up to date: no DDL at all


def test_rows_are_written_by_name_with_the_warehouse_clock(tmp_path):
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    with warehouse.connect() as conn:
        rows = [{"run_id": "r", "metric": m, "value": 1.0, "evaluated_at": NOW} for m in "ab"]
        insert(conn, MODEL_METRICS, rows)
        found = conn.execute(
            "select metric, run_id, label, evaluated_at is not null from dq_model_metrics"
        ).fetchall()
    assert sorted(found) == [("a", "r", None, True), ("b", "r", None, True)]


def test_a_replaced_row_keeps_one_copy_and_unknown_columns_are_refused(tmp_path):
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    with warehouse.connect() as conn:
        for status in ("staged", "loaded"):
            row = {"arrival_id": "a", "source": "s", "status": status, "arrived_at": NOW}
            insert(conn, MANIFEST, [row], replace=True)
        assert conn.execute("select status from dq_manifest").fetchall() == [("loaded",)]
        with pytest.raises(ValueError, match="no column"):
            insert(conn, MANIFEST, [{"source": "s", "file_hash": "h", "colour": 1}])


def test_a_manifest_from_before_arrivals_is_carried_over_to_the_new_key(tmp_path):
    path = str(tmp_path / "w.duckdb")
    with duckdb.connect(path) as conn:  # dq_manifest as it was: one row per (source, hash)
        conn.execute(
            "create table dq_manifest (source varchar, file_hash varchar, delivery_date date, "
            "original_name varchar, archive_path varchar, size_bytes bigint, "
            "arrived_at timestamp, load_id varchar, status varchar, reason varchar, "
            "primary key (source, file_hash))"
        )
        conn.execute(
            "insert into dq_manifest values ('catalog', 'abc', '2026-11-27', 'catalog.csv', "
            "'/a/abc.csv', 10, now(), 'load-1', 'loaded', null), ('labels', 'abc', "
            "'2026-11-27', 'labels.csv', '/a/abc2.csv', 5, now(), 'load-2', 'rejected', 'empty')"
        )
    with DuckDBWarehouse(path=path).connect() as conn:
        assert ops_tables_current(conn)
        rows = conn.execute(
            "select arrival_id, original_name, status, reason from dq_manifest order by 1"
        ).fetchall()
        leftovers = conn.execute(
            "select count(*) from information_schema.tables where table_name like '%before%'"
        ).fetchone()
    assert rows == [
        ("catalog:abc", "catalog.csv", "loaded", None),
        ("labels:abc", "labels.csv", "rejected", "empty"),
    ]
    assert leftovers == (0,)
    # Two arrivals of the same bytes now fit (the old key refused a second row).
    with DuckDBWarehouse(path=path).connect() as conn:
        insert(conn, MANIFEST, [{"arrival_id": "new", "source": "catalog", "file_hash": "abc"}])
