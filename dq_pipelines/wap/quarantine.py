"""The quarantine: staged rows kept out of a published table, with the checks they failed.

Quarantined rows are never deleted: a later decision on the same delivery (a replay after a
fix, or a re-run) marks them released and quarantines again whatever still fails, so each
delivered row is counted once.
"""

import duckdb

from dq_pipelines.checks.masking import row_json_sql, sensitive_columns
from dq_pipelines.checks.row_conditions import sql_literal
from dq_pipelines.declared.project import load_project
from dq_pipelines.storage import sql
from dq_pipelines.storage.identifiers import quote_identifier
from dq_pipelines.storage.ops_tables import QUARANTINE, insert_select
from dq_pipelines.wap.stage import Staged

HELD_CHECK = "delivery_held"  # what a held row that failed no check itself is quarantined for


def _lineage(staged: Staged, column: str) -> str:
    return f"s.{quote_identifier(column)}" if column in staged.columns else "null"


def supersede(conn: duckdb.DuckDBPyConnection, staged: Staged, run_id: str) -> None:
    """A new decision on a delivery takes over from earlier ones: rows those quarantined are
    marked released (a replay after a fix, or a re-run, decides again; nothing is deleted)."""
    if "_delivery_date" not in staged.columns:
        return
    conn.execute(
        f"""update dq_quarantine set released_at = now(), released_by_run = ?
            where asset = ? and released_at is null and run_id <> ?
              and delivery_date in (select distinct _delivery_date from {staged.sql})""",
        [run_id, staged.asset, run_id],
    )


def quarantine(
    conn: duckdb.DuckDBPyConnection, staged: Staged, run_id: str, reason: str, everything: bool
) -> int:
    """Copy failing rows (or, when held, all rows) to dq_quarantine, with what they failed.

    Sensitive columns (see masking.py) are stored masked, not encrypted: dq_quarantine is read
    to see why rows failed and how many, by people who may not see personal data, and the
    delivered bytes stay whole in the archive for a replay after a fix, so nothing is lost.
    Encryption would need a key to manage, rotate and keep from those same readers, for no
    value the archive does not already keep.
    """
    join = "left join" if everything else "join"
    sensitive = sensitive_columns(load_project(), staged.asset)
    position = sql.row_position("s")
    columns = {
        "asset": "?",
        "load_id": _lineage(staged, "_load_id"),
        "delivery_date": _lineage(staged, "_delivery_date"),
        "staged_row": position,
        "failed_checks": f"coalesce(f.checks, {sql.list_of([sql_literal(HELD_CHECK)])})",
        "reason": "?",
        "row_data": row_json_sql("s", staged.columns, sensitive),
        "run_id": "?",
        "quarantined_at": "now()",
    }
    source = f"{staged.sql} s {join} {staged.failing.sql} f on {position} = f.row_no"
    insert_select(conn, QUARANTINE, columns, source, [staged.asset, reason, run_id])
    ((moved,),) = conn.execute(
        "select count(*) from dq_quarantine where asset = ? and run_id = ?",
        [staged.asset, run_id],
    ).fetchall()
    return moved
