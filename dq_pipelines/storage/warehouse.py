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
import sqlalchemy
from pydantic import PrivateAttr
from sqlalchemy.pool import NullPool

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
    # The connection `held_open()` keeps while a step or validation runs; None otherwise.
    _held: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

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

        Inside `held_open()` it is a cursor of the held connection (a transaction of its own,
        on the database already open); otherwise a connection of its own. Closed after.

        The operational tables' DDL and migrations run only when a catalogue read (one per
        connection or hold) finds a declared table or column missing: once per warehouse (and
        per new declaration). The check is in the database, not in process memory, so a
        warehouse file deleted and recreated under the same path, or a ":memory:" one, still
        gets its tables.
        """
        if self._held is not None:  # its tables were brought up to date when it was opened
            conn = self._held.cursor()
        else:
            self._make_parent_folder()
            conn = self.wait_for_lock(lambda: duckdb.connect(self.path))
            ensure_ops_tables(conn)
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def held_open(self) -> Iterator[None]:
        """Keep the database open for one step (or one validation), then close it.

        DuckDB builds a new database instance, its whole function catalogue included (~40 ms of
        CPU), for each connection to a file no connection of this process has open; a
        write-audit-publish step makes about 14, and GX one per metric query. While one
        connection is held, `connect()` hands out cursors of it and GX's connections join its
        instance, so the step builds one. Other processes wait for the file (`wait_for_lock`)
        until the hold ends, as they wait for any one connection. A nested call shares the
        outer hold.

        The connection is opened the way GX's SQLAlchemy engine opens its own (same dialect,
        same settings): DuckDB refuses a second in-process connection configured differently.
        """
        if self._held is not None:
            yield
            return
        self._make_parent_folder()
        engine = sqlalchemy.create_engine(self.sqlalchemy_url(), **self.sqlalchemy_engine_kwargs())
        try:
            raw = self.wait_for_lock(engine.raw_connection)
            # duckdb_engine wraps the DuckDB connection and forwards what it does not define
            # itself: DuckDB's `execute` returns the connection it ran on.
            self._held = raw.driver_connection.execute("select 1")
            try:
                # Once per hold: no other process can change the database while it is held.
                ensure_ops_tables(self._held)
                yield
            finally:
                self._held = None
                raw.close()
        finally:
            engine.dispose()

    @contextmanager
    def validation_memory(self) -> Iterator[None]:
        """Cap DuckDB's memory while GX validates, inside `held_open()`: beyond the cap it
        spills to disk instead of growing. The cap is the database's, so it is reset after."""
        if self._held is None:
            raise RuntimeError("validation_memory() is only for a warehouse held open")
        self._held.execute(f"set memory_limit = '{self.validation_memory_limit}'")
        try:
            yield
        finally:
            self._held.execute("reset memory_limit")

    def sqlalchemy_url(self) -> str:
        """The warehouse as a SQLAlchemy URL (GX's SQL engine connects through SQLAlchemy)."""
        return f"duckdb:///{self.path}"

    def sqlalchemy_engine_kwargs(self) -> dict[str, Any]:
        """How a SQLAlchemy engine on the warehouse is made. NullPool: no connection outlives
        its use, so nothing keeps the file open once `held_open()` ends."""
        return {"poolclass": NullPool}

    def _make_parent_folder(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)

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
