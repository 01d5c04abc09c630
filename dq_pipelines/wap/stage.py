"""Staging: the new version of a table, written to the `dq_audit` schema under its run's name.

Per-run names mean two overlapping runs never audit or publish each other's rows. A staged
table is written once and never changed, so its rows keep their positions
(`storage.sql.row_position`) from the audit to the publication.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from dq_pipelines.checks.gx_runner import TableRef
from dq_pipelines.declared.typed_columns import DELIVERED

AUDIT_SCHEMA = "dq_audit"
_RUN = "__run_"  # staged tables are named <asset>__run_<run id>[__<helper>]


@dataclass(frozen=True)
class Staged:
    asset: str
    ref: TableRef
    rows: int
    columns: tuple[str, ...]
    # The fields of its `_delivered` column: each row's text as delivered (typed_columns.py).
    delivered: tuple[str, ...] = ()
    # How it is published: False replaces the table (a snapshot); True adds its rows to it,
    # replacing the rows of the same delivery date(s) (an append source; publish.py).
    append: bool = False

    @property
    def sql(self) -> str:
        return self.ref.sql

    @property
    def failing(self) -> TableRef:
        """The staged rows that fail row-level checks (by position), with the checks."""
        return TableRef(f"{self.ref.table}__failing", AUDIT_SCHEMA)

    @property
    def remaining(self) -> TableRef:
        """A view of the staged rows a partial publication would publish."""
        return TableRef(f"{self.ref.table}__remaining", AUDIT_SCHEMA)


def stage(
    conn: duckdb.DuckDBPyConnection,
    asset: str,
    run_id: str,
    select_sql: str,
    params: Sequence[Any] = (),
    run_is_over: Callable[[str], bool] | None = None,
) -> Staged:
    """Write the new version of `asset` to the audit schema, named for this run.

    Staged tables of runs that are over (`run_is_over`, e.g. a run killed mid-audit), of any
    asset, are dropped first.
    """
    ref = TableRef(f"{asset}{_RUN}{run_id}", AUDIT_SCHEMA)
    conn.execute(f"create schema if not exists {AUDIT_SCHEMA}")
    if run_is_over is not None:
        drop_abandoned(conn, run_is_over)
    conn.execute(f"create or replace table {ref.sql} as {select_sql}", list(params))
    ((rows,),) = conn.execute(f"select count(*) from {ref.sql}").fetchall()
    columns = tuple(d[0] for d in conn.execute(f"select * from {ref.sql} limit 0").description)
    delivered = ()
    if DELIVERED in columns:
        found = conn.execute(f"select unnest({DELIVERED}) from {ref.sql} limit 0").description
        delivered = tuple(d[0] for d in found)
    return Staged(asset, ref, rows, columns, delivered)


def drop_staged(conn: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    """Drop a staged table and its helpers (each may not exist)."""
    conn.execute(f"drop view if exists {staged.remaining.sql}")
    conn.execute(f"drop table if exists {staged.failing.sql}")
    conn.execute(f"drop table if exists {staged.sql}")


def drop_abandoned(
    conn: duckdb.DuckDBPyConnection, run_is_over: Callable[[str], bool], asset: str | None = None
) -> list[str]:
    """Drop the staged tables (and their helpers) left by runs that are over, of every asset
    or of one; returns their names.

    A run killed after its publish commit leaves them behind, and its rerun may never stage
    that asset again (the delivery is a duplicate), so cleaning up cannot wait for the asset.
    """
    found = conn.execute(
        "select table_name, table_type from information_schema.tables where table_schema = ?",
        [AUDIT_SCHEMA],
    ).fetchall()
    prefix = f"{asset}{_RUN}" if asset else ""
    dropped = []
    for name, kind in sorted(found):
        if not name.startswith(prefix) or _RUN not in name:
            continue
        run_id = name.rpartition(_RUN)[2].split("__")[0]
        if run_is_over(run_id):
            what = "view" if kind == "VIEW" else "table"
            conn.execute(f"drop {what} if exists {TableRef(name, AUDIT_SCHEMA).sql}")
            dropped.append(name)
    return dropped
