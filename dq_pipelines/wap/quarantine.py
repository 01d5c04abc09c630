"""The quarantine: staged rows kept out of a published table, with the checks they failed.

A quarantined row shows its values as delivered: where the staged table carries the delivered
text (`_delivered`, declared/typed_columns.py: raw tables, and the staging models that pass it
on), each delivered column is stored as that text, not as its typed or converted value (a price
delivered as `12,50` is stored as `12,50`, not as the NULL its cast gave). Columns computed
downstream keep their staged values.

Quarantined rows are never deleted: a later decision on the same delivery (a replay after a
fix, or a re-run) marks them released and quarantines again whatever still fails, so each
delivered row is counted once.
"""

import duckdb

from dq_pipelines.checks.masking import mask_sql, row_json_sql, sensitive_columns
from dq_pipelines.checks.row_conditions import sql_literal
from dq_pipelines.declared.project import Project, load_project
from dq_pipelines.declared.typed_columns import DELIVERED, delivered_sql
from dq_pipelines.storage import sql
from dq_pipelines.storage.identifiers import quote_identifier
from dq_pipelines.storage.ops_tables import QUARANTINE, insert_select
from dq_pipelines.wap.stage import Staged

HELD_CHECK = "delivery_held"  # what a held row that failed no check itself is quarantined for


def _lineage(staged: Staged, column: str) -> str:
    return f"s.{quote_identifier(column)}" if column in staged.columns else "null"


def _delivered_sensitive(project: Project, asset: str) -> frozenset[str]:
    """The sensitive columns of the sources whose delivered text `asset` carries."""
    for contract in project.contracts.values():
        if contract.raw_table == asset:
            return frozenset(c.name for c in contract.columns if c.sensitive)
    model = project.models.get(asset)
    if model is None:
        return frozenset()
    return frozenset().union(*(_delivered_sensitive(project, dep) for dep in model.deps))


def _row_as_delivered(staged: Staged, sensitive: frozenset[str]) -> str:
    """A staged row as JSON: delivered text where the row has it, staged values elsewhere,
    sensitive columns masked."""
    if not staged.delivered:
        return row_json_sql("s", staged.columns, sensitive)
    values = {c: f"s.{quote_identifier(c)}" for c in staged.columns if c != DELIVERED}
    values |= {c: delivered_sql(c, "s") for c in staged.delivered}
    fields = ", ".join(
        f"{quote_identifier(c)} := {mask_sql(v) if c in sensitive else v}"
        for c, v in values.items()
    )
    return f"to_json(struct_pack({fields}))"


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
    project = load_project()
    sensitive = sensitive_columns(project, staged.asset) | _delivered_sensitive(
        project, staged.asset
    )
    position = sql.row_position("s")
    columns = {
        "asset": "?",
        "load_id": _lineage(staged, "_load_id"),
        "delivery_date": _lineage(staged, "_delivery_date"),
        "staged_row": position,
        "failed_checks": f"coalesce(f.checks, {sql.list_of([sql_literal(HELD_CHECK)])})",
        "reason": "?",
        "row_data": _row_as_delivered(staged, sensitive),
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
