"""The storage resource: every read and write of the warehouse goes through it.

DuckDB is the embedded default; a second backend would be another implementation of this
resource, not a search-and-replace across assets.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import dagster as dg
import duckdb
import pandas as pd

T = TypeVar("T")

# Dagster concurrency pool of every step that stages and publishes a table; instance_dagster.yaml
# limits it to one step at a time across runs, so one run's stage -> audit -> publish never
# interleaves with another's (DuckDB's own lock only serializes single statements).
DUCKDB_POOL = "duckdb"

# Operational tables the pipeline keeps next to the data: loads, models, metrics, alerts.
OPS_DDL = (
    """create table if not exists dq_loads (
        load_id varchar primary key, source varchar, delivery_date date, files varchar[],
        row_count bigint, loaded_at timestamp, run_id varchar)""",
    """create table if not exists dq_model_registry (
        model_version varchar primary key, model_asset varchar, trained_at timestamp,
        artifact_path varchar, training_rows bigint, holdout_rows bigint, holdout_fraction double,
        training_load_ids varchar[], run_id varchar, gate_override_reason varchar)""",
    """create table if not exists dq_model_metrics (
        model_version varchar, metric varchar, label varchar, value double,
        evaluated_at timestamp, run_id varchar)""",
    """create table if not exists dq_manifest (
        source varchar, file_hash varchar, delivery_date date, original_name varchar,
        archive_path varchar, size_bytes bigint, arrived_at timestamp, load_id varchar,
        status varchar, reason varchar, primary key (source, file_hash))""",
    """create table if not exists dq_format_profiles (
        source varchar, column_name varchar, delivery_date date, load_id varchar,
        dominant_format varchar, dominant_share double, accepted_share double, passed boolean,
        profiled_at timestamp)""",
    # Write-audit-publish (publish.py): every decision, and the rows it kept out of the tables.
    """create table if not exists dq_publications (
        asset varchar, run_id varchar, status varchar, staged_rows bigint,
        published_rows bigint, quarantined_rows bigint, failing_share double,
        max_quarantine_share double, reason varchar, decided_at timestamp)""",
    """create table if not exists dq_quarantine (
        asset varchar, load_id varchar, delivery_date date,
        staged_row bigint, -- 0-based position in the staged table (files in name order)
        failed_checks varchar[], reason varchar, row_data json, run_id varchar,
        quarantined_at timestamp, released_at timestamp, released_by_run varchar)""",
    """create table if not exists dq_alerts (
        alert_id varchar primary key, created_at timestamp, asset varchar, check_name varchar,
        severity varchar, run_id varchar, status varchar, destination varchar, text varchar,
        blocks varchar, error varchar, attempts integer not null default 0,
        last_attempt_at timestamp)""",
    # Warehouses created before the alert outbox existed.
    "alter table dq_alerts add column if not exists blocks varchar",
    "alter table dq_alerts add column if not exists attempts integer default 0",
    "alter table dq_alerts add column if not exists last_attempt_at timestamp",
    # Grouping: consecutive failures of one check form a group; its first alert's Slack message
    # (ts, bot token only) is the thread later alerts of the group are posted into.
    "alter table dq_alerts add column if not exists group_id varchar",
    "alter table dq_alerts add column if not exists slack_ts varchar",
    "alter table dq_alerts add column if not exists run_url varchar",
    """create table if not exists dq_alert_groups (
        group_id varchar primary key, asset varchar, check_name varchar, opened_at timestamp,
        last_run_id varchar, failures integer, slack_ts varchar, closed_at timestamp)""",
)


def _is_lock_conflict(error: BaseException | None) -> bool:
    """Is this (or what it wraps) DuckDB refusing the file because another process holds it?"""
    while error is not None:
        if "Could not set lock on file" in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


class DuckDBWarehouse(dg.ConfigurableResource):
    """The DuckDB file holding raw, staged and mart tables and the pipeline's own records."""

    path: str = "data/warehouse.duckdb"
    lock_timeout_seconds: float = 120.0
    # Cap for DuckDB while validating suites: it spills to disk beyond this instead of growing
    # (GX's uniqueness queries window over whole rows and otherwise take ~1.3 GB at 10M rows).
    validation_memory_limit: str = "512MB"

    def wait_for_lock(self, action: Callable[[], T]) -> T:
        """Run `action`, retrying while another process holds the DuckDB file's lock.

        DuckDB lets one process write a file at a time; connections here are short-lived, so
        a second run (a schedule overlapping a manual run) waits its turn instead of failing.
        """
        deadline = time.monotonic() + self.lock_timeout_seconds
        delay = 0.05
        while True:
            try:
                return action()
            except Exception as e:  # other libraries (GX, SQLAlchemy) wrap DuckDB's error
                if not _is_lock_conflict(e) or time.monotonic() + delay > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = self.wait_for_lock(lambda: duckdb.connect(self.path))
        try:
            for ddl in OPS_DDL:
                conn.execute(ddl)
            yield conn
        finally:
            conn.close()

    def read_table(self, table: str) -> pd.DataFrame:
        with self.connect() as conn:
            return conn.execute(f'select * from "{table}"').df()

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        with self.connect() as conn:
            return conn.execute(sql, params or []).df()

    def table_exists(self, table: str) -> bool:
        with self.connect() as conn:
            return table_exists(conn, table)


def table_exists(conn: duckdb.DuckDBPyConnection, table: str, schema: str = "main") -> bool:
    """Is there a table (or view) of this name, on a connection already open?"""
    ((found,),) = conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return bool(found)
