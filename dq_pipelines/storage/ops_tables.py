"""The pipeline's own operational tables (`dq_*`), declared once: columns, keys, DDL and writes.

Each table is one `OpsTable` below. Its `create table` statement and its migrations (a column
added to a declaration is added to older warehouses) are derived from the declaration, and rows
are written by column name through `insert`, never by position, so adding a column touches
this file only. Adding a table is adding one declaration to `OPS_TABLES`.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

from dq_pipelines.storage.identifiers import quote_identifier


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a DuckDB type
    default: str | None = None  # a SQL literal, also for rows written before the column existed

    @property
    def ddl(self) -> str:
        default = f" default {self.default}" if self.default is not None else ""
        return f"{quote_identifier(self.name)} {self.type}{default}"


@dataclass(frozen=True)
class OpsTable:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    description: str = ""
    # When a table's primary key changed: SQL over an older table's columns giving each new key
    # column, so its rows are carried over (see `ensure_ops_tables`).
    key_backfill: Mapping[str, str] = field(default_factory=dict)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def create_sql(self) -> str:
        key = f", primary key ({', '.join(map(quote_identifier, self.primary_key))})"
        body = ", ".join(c.ddl for c in self.columns) + (key if self.primary_key else "")
        return f"create table if not exists {quote_identifier(self.name)} ({body})"

    def migration_sql(self) -> list[str]:
        """Columns added since a warehouse was created (a primary-key column is never added)."""
        return [
            f"alter table {quote_identifier(self.name)} add column if not exists {c.ddl}"
            for c in self.columns
            if c.name not in self.primary_key
        ]


def _table(
    name: str,
    description: str,
    spec: str,
    primary_key: tuple[str, ...] = (),
    key_backfill: Mapping[str, str] | None = None,
) -> OpsTable:
    """A declaration from 'name type, name type default x, ...' (reads like the DDL it makes)."""
    columns = []
    for item in spec.split(","):
        name_, type_, *rest = item.split()
        default = rest[rest.index("default") + 1] if "default" in rest else None
        columns.append(Column(name_, type_, default))
    return OpsTable(name, tuple(columns), primary_key, description, dict(key_backfill or {}))


MODEL_REGISTRY = _table(
    "dq_model_registry",
    "Every trained model version, with the loads it learned from (training_rows: labelled rows; "
    "weak_label_rows: queries weakly labelled from search feedback), its golden-case results and "
    "its status: challenger (trained, not promoted; status_reason says why), champion (the one "
    "in service, one per model_asset) or retired (a former champion; promoted_at kept).",
    "model_version varchar, model_asset varchar, trained_at timestamp, artifact_path varchar, "
    "training_rows bigint, weak_label_rows bigint, holdout_rows bigint, holdout_fraction double, "
    "training_load_ids varchar[], run_id varchar, gate_override_reason varchar, "
    "training_data_path varchar, status varchar default 'challenger', status_reason varchar, "
    "status_at timestamp, promoted_at timestamp, golden_results json",
    ("model_version",),
)
MODEL_METRICS = _table(
    "dq_model_metrics",
    "Evaluation metrics per model version (label: a class, or empty for overall).",
    "model_version varchar, metric varchar, label varchar, value double, "
    "evaluated_at timestamp, run_id varchar",
)
MANIFEST = _table(
    "dq_manifest",
    "Every arrival (a delivered file, or a refused landing entry), duplicates included, and its "
    "current state: that of its latest load attempt (dq_loads), or duplicate (duplicate_of: "
    "the load of the same bytes).",
    "arrival_id varchar, source varchar, file_hash varchar, delivery_date date, "
    "original_name varchar, archive_path varchar, size_bytes bigint, arrived_at timestamp, "
    "load_id varchar, status varchar, reason varchar, duplicate_of varchar",
    ("arrival_id",),
    # Warehouses from before arrivals were told apart held one row per (source, file hash).
    {"arrival_id": "source || ':' || file_hash"},
)
LOADS = _table(
    "dq_loads",
    "Every load attempt (first load, replay, re-run), one row per arrival it read, with its "
    "own status and reason; superseded_by: the later load that replaced it or read the same "
    "arrivals again.",
    "load_id varchar, arrival_id varchar, source varchar, delivery_date date, run_id varchar, "
    "replay boolean, status varchar, reason varchar, columns varchar[], started_at timestamp, "
    "decided_at timestamp, superseded_by varchar",
    ("load_id", "arrival_id"),
)
FORMAT_PROFILES = _table(
    "dq_format_profiles",
    "The text formats found in each delivery's date columns.",
    "source varchar, column_name varchar, delivery_date date, load_id varchar, "
    "dominant_format varchar, dominant_share double, accepted_share double, passed boolean, "
    "profiled_at timestamp",
)
PUBLICATIONS = _table(
    "dq_publications",
    "Every write-audit-publish decision (published, partial, held).",
    "asset varchar, run_id varchar, status varchar, staged_rows bigint, published_rows bigint, "
    "quarantined_rows bigint, failing_share double, max_quarantine_share double, "
    "reason varchar, decided_at timestamp",
)
QUARANTINE = _table(
    "dq_quarantine",
    "Rows kept out of a published table (staged_row: 0-based position in the staged table).",
    "asset varchar, load_id varchar, delivery_date date, staged_row bigint, "
    "failed_checks varchar[], reason varchar, row_data json, run_id varchar, "
    "quarantined_at timestamp, released_at timestamp, released_by_run varchar",
)
ALERTS = _table(
    "dq_alerts",
    "The alert outbox: one row per alert, whatever happened to it.",
    "alert_id varchar, created_at timestamp, asset varchar, check_name varchar, "
    "severity varchar, run_id varchar, status varchar, destination varchar, text varchar, "
    "blocks varchar, error varchar, attempts integer default 0, last_attempt_at timestamp, "
    "group_id varchar, slack_ts varchar, run_url varchar",
    ("alert_id",),
)
ALERT_GROUPS = _table(
    "dq_alert_groups",
    "Consecutive failures of one check, and the Slack thread they go to.",
    "group_id varchar, asset varchar, check_name varchar, opened_at timestamp, "
    "last_run_id varchar, failures integer, slack_ts varchar, closed_at timestamp",
    ("group_id",),
)
LABEL_REVIEW = _table(
    "dq_label_review",
    "The label review queue: items a label audit found suspicious, for a person to work "
    "through. verdict: 'correct' (the given label stands: never flagged again for it) or "
    "'wrong' (to be fixed at the source); empty while pending.",
    "asset varchar, item_id varchar, given_label varchar, suggested_label varchar, "
    "confidence double, text varchar, check_name varchar, first_flagged_at timestamp, "
    "last_flagged_at timestamp, times_flagged integer default 1, "
    "reviewed_at timestamp, verdict varchar, reviewer varchar",
    ("asset", "item_id", "given_label"),
)
CHECK_RESULTS = _table(
    "dq_check_results",
    "Every result of every check evaluation, appended and never overwritten (suite "
    "expectations, contract checks, ML checks, golden cases): status passed, warned (failed at "
    "WARN), failed (failed at ERROR), blocked (did not run: an upstream blocking check failed; "
    "blocked_by names it) or error (could not be computed: error says why). Pruned only by "
    "age (DQ_RESULTS_RETENTION_DAYS).",
    "result_id varchar, evaluated_at timestamp, asset varchar, check_name varchar, "
    "check_kind varchar, expectation_type varchar, severity varchar, status varchar, "
    "observed_value json, element_count bigint, unexpected_count bigint, "
    "unexpected_percent double, run_id varchar, load_id varchar, blocked_by varchar[], "
    "description varchar, error varchar",
    ("result_id",),
)

OPS_TABLES: tuple[OpsTable, ...] = (
    MODEL_REGISTRY,
    MODEL_METRICS,
    MANIFEST,
    LOADS,
    FORMAT_PROFILES,
    PUBLICATIONS,
    QUARANTINE,
    ALERTS,
    ALERT_GROUPS,
    LABEL_REVIEW,
    CHECK_RESULTS,
)


def ops_ddl() -> list[str]:
    """Every statement that brings a warehouse's operational tables up to date (idempotent)."""
    return [sql for t in OPS_TABLES for sql in (t.create_sql(), *t.migration_sql())]


def ops_tables_current(conn: duckdb.DuckDBPyConnection) -> bool:
    """Does the warehouse already have every declared table and column? (One catalogue read,
    in portable SQL: the DDL and its ~80 migrations run only when the answer is no.)"""
    names = [t.name for t in OPS_TABLES]
    found = conn.execute(
        "select table_name, column_name from information_schema.columns "
        f"where table_schema = 'main' and table_name in ({', '.join('?' for _ in names)})",
        names,
    ).fetchall()
    declared = {(t.name, c) for t in OPS_TABLES for c in t.column_names}
    return declared <= set(found)


def ensure_ops_tables(conn: duckdb.DuckDBPyConnection) -> None:
    """Create or migrate the operational tables, unless they are up to date already."""
    if not ops_tables_current(conn):
        for table in OPS_TABLES:
            _rekey_if_key_changed(conn, table)
        for sql in ops_ddl():
            conn.execute(sql)


def _rekey_if_key_changed(conn: duckdb.DuckDBPyConnection, table: OpsTable) -> None:
    """Carry an older table whose primary key differs over to the declared key.

    A key column cannot be added in place (it would be null in every existing row). The old
    table is renamed, the declared one created, and the old rows copied with their key from
    `key_backfill`; without a backfill the old table is kept, renamed, so no row is lost.
    """
    found = [
        name
        for (name,) in conn.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'main' and table_name = ?",
            [table.name],
        ).fetchall()
    ]
    if not found or all(k in found for k in table.primary_key):
        return
    kept = f"{table.name}__before_key_change"
    conn.execute(f"alter table {quote_identifier(table.name)} rename to {quote_identifier(kept)}")
    conn.execute(table.create_sql())
    if set(table.primary_key) - set(found) <= set(table.key_backfill):
        columns = {
            quote_identifier(c): quote_identifier(c) for c in table.column_names if c in found
        }
        columns |= {quote_identifier(k): sql for k, sql in table.key_backfill.items()}
        conn.execute(
            f"insert into {quote_identifier(table.name)} ({', '.join(columns)}) "
            f"select {', '.join(columns.values())} from {quote_identifier(kept)}"
        )
        conn.execute(f"drop table {quote_identifier(kept)}")


@dataclass(frozen=True)
class _Now:
    """A value written as the warehouse's clock when the statement runs (SQL `now()`)."""

    def __repr__(self) -> str:
        return "NOW"


NOW = _Now()


def _check_columns(table: OpsTable, names: Iterable[str]) -> None:
    unknown = sorted(set(names) - set(table.column_names))
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {unknown}")


# Rows per insert statement: one multi-row statement instead of one per row (DuckDB runs an
# executemany row by row, ~1.4 ms each: 100 check results took 140 ms, now 20).
INSERT_CHUNK_ROWS = 500


def insert(
    conn: duckdb.DuckDBPyConnection,
    table: OpsTable,
    rows: Iterable[Mapping[str, Any]],
    *,
    replace: bool = False,
) -> None:
    """Write rows by column name; a column not given takes its default (or null); a value
    `NOW` is the time of the statement on the warehouse's clock (alike in the rows of one
    statement: up to INSERT_CHUNK_ROWS).

    `replace`: a row whose primary key exists replaces it (the table must have one); of rows
    given with the same key, the last is kept.
    """
    rows = list(rows)
    if not rows:
        return
    names = list(rows[0])
    _check_columns(table, names)
    stamped = {n for n in names if rows[0][n] is NOW}
    if any((row[n] is NOW) != (n in stamped) for row in rows for n in names):
        raise ValueError(f"{table.name}: a column is NOW in every row or in none")
    if replace:
        rows = list({tuple(row[k] for k in table.primary_key): row for row in rows}.values())
    given = [n for n in names if n not in stamped]
    # Each value cast to its column's declared type, so every row of the VALUES list has the
    # same types (as when each row was bound to the table's columns on its own).
    types = {c.name: c.type for c in table.columns}
    row_sql = (
        "(" + ", ".join("now()" if n in stamped else f"cast(? as {types[n]})" for n in names) + ")"
    )
    verb = "insert or replace" if replace else "insert"
    columns = ", ".join(map(quote_identifier, names))
    for start in range(0, len(rows), INSERT_CHUNK_ROWS):
        chunk = rows[start : start + INSERT_CHUNK_ROWS]
        conn.execute(
            f"{verb} into {quote_identifier(table.name)} ({columns}) "
            f"values {', '.join([row_sql] * len(chunk))}",
            [row[n] for row in chunk for n in given],
        )


def insert_select(
    conn: duckdb.DuckDBPyConnection,
    table: OpsTable,
    columns: Mapping[str, str],
    source_sql: str,
    params: Iterable[Any] = (),
) -> None:
    """Write the rows of a query by column name: `columns` maps each column to its SQL
    expression over `source_sql` (a from clause and what follows; `params` in text order)."""
    _check_columns(table, columns)
    names = ", ".join(map(quote_identifier, columns))
    conn.execute(
        f"insert into {quote_identifier(table.name)} ({names}) "
        f"select {', '.join(columns.values())} from {source_sql}",
        list(params),
    )
