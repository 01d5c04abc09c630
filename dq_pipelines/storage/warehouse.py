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

from dq_pipelines.settings import default
from dq_pipelines.storage.identifiers import quote_identifier
from dq_pipelines.storage.ops_tables import ensure_ops_tables

T = TypeVar("T")

# Dagster concurrency pool of every step that stages and publishes a table; instance_dagster.yaml
# limits it to one step at a time across runs, so one run's stage -> audit -> publish never
# interleaves with another's (DuckDB's own lock only serializes single statements).
DUCKDB_POOL = "duckdb"


def _is_lock_conflict(error: BaseException | None) -> bool:
    """Is this (or what it wraps) DuckDB refusing the file because another process holds it?"""
    while error is not None:
        if "Could not set lock on file" in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


class DuckDBWarehouse(dg.ConfigurableResource):
    """The DuckDB file holding raw, staged and mart tables and the pipeline's own records."""

    path: str
    lock_timeout_seconds: float = 120.0
    # Cap for DuckDB while validating suites: it spills to disk beyond this instead of growing
    # (GX's uniqueness queries window over whole rows and otherwise take ~1.3 GB at 10M rows).
    validation_memory_limit: str = default("DQ_VALIDATION_MEMORY_LIMIT")

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
        """A connection, with the operational tables up to date.

        Their DDL and migrations run only when a catalogue read finds a declared table or
        column missing: once per warehouse (and per new declaration), not per connection. The
        check is in the database, not in process memory, so a warehouse file deleted and
        recreated under the same path, or a ":memory:" one, still gets its tables.
        """
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = self.wait_for_lock(lambda: duckdb.connect(self.path))
        try:
            ensure_ops_tables(conn)
            yield conn
        finally:
            conn.close()

    def sqlalchemy_url(self) -> str:
        """The warehouse as a SQLAlchemy URL (GX's SQL engine connects through SQLAlchemy)."""
        return f"duckdb:///{self.path}"

    def sqlalchemy_connect_args(self) -> dict[str, Any]:
        """How a validation connection is configured: DuckDB spills to disk beyond the limit."""
        return {"config": {"memory_limit": self.validation_memory_limit}}

    def read_table(self, table: str) -> pd.DataFrame:
        with self.connect() as conn:
            return conn.execute(f"select * from {quote_identifier(table)}").df()

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
