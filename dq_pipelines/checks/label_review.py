"""The label review queue (`dq_label_review`): what a label audit flags, and what people decide.

A flagged item is queued once per (asset, item, given label); flagged again, its row is
refreshed (suggestion, confidence, times flagged). A person's verdict `correct` keeps the item
out of later audits for as long as it carries that label; `wrong` leaves it in the queue's
history until the source fixes it (a new label is a new row).
"""

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import pandas as pd

from dq_pipelines.storage.ops_tables import LABEL_REVIEW, NOW, insert

VERDICTS = ("correct", "wrong")


@dataclass(frozen=True)
class Flag:
    item_id: str
    given_label: str
    suggested_label: str
    confidence: float  # the proxy model's out-of-sample probability of the given label
    text: str


def confirmed_correct(conn: duckdb.DuckDBPyConnection, asset: str) -> set[tuple[str, str]]:
    """(item, label) pairs a person marked correct: never flagged again with that label."""
    rows = conn.execute(
        f"select item_id, given_label from {LABEL_REVIEW.name} "
        "where asset = ? and verdict = 'correct'",
        [asset],
    ).fetchall()
    return {(str(item), str(label)) for item, label in rows}


def queue_flags(
    conn: duckdb.DuckDBPyConnection,
    asset: str,
    check_name: str,
    flags: Iterable[Flag],
) -> int:
    """Add or refresh the flagged items; a reviewed row keeps its verdict. Returns how many
    items are now pending in the queue for this asset."""
    flags = list(flags)
    known = {
        (str(r[0]), str(r[1])): r[2:]
        for r in conn.execute(
            f"select item_id, given_label, first_flagged_at, times_flagged, reviewed_at, "
            f"verdict, reviewer from {LABEL_REVIEW.name} where asset = ?",
            [asset],
        ).fetchall()
    }
    rows = []
    for f in flags:
        first, times, reviewed_at, verdict, reviewer = known.get(
            (f.item_id, f.given_label), (None, 0, None, None, None)
        )
        rows.append(
            {
                "asset": asset,
                "item_id": f.item_id,
                "given_label": f.given_label,
                "suggested_label": f.suggested_label,
                "confidence": f.confidence,
                "text": f.text,
                "check_name": check_name,
                "first_flagged_at": first,
                "last_flagged_at": NOW,
                "times_flagged": int(times or 0) + 1,
                "reviewed_at": reviewed_at,
                "verdict": verdict,
                "reviewer": reviewer,
            }
        )
    insert(conn, LABEL_REVIEW, rows, replace=True)
    conn.execute(
        f"update {LABEL_REVIEW.name} set first_flagged_at = last_flagged_at "
        "where asset = ? and first_flagged_at is null",
        [asset],
    )
    return pending_count(conn, asset)


def pending_count(conn: duckdb.DuckDBPyConnection, asset: str) -> int:
    row = conn.execute(
        f"select count(*) from {LABEL_REVIEW.name} where asset = ? and verdict is null", [asset]
    ).fetchone()
    return int(row[0]) if row else 0


def pending_reviews(
    conn: duckdb.DuckDBPyConnection, asset: str | None = None, limit: int = 20
) -> pd.DataFrame:
    """The queue a person works through: pending items, most suspicious first."""
    where = "verdict is null" + (" and asset = ?" if asset else "")
    return conn.execute(
        f"select asset, item_id, given_label, suggested_label, round(confidence, 3) as "
        f"confidence, times_flagged, text from {LABEL_REVIEW.name} where {where} "
        "order by confidence, asset, item_id limit ?",
        [*([asset] if asset else []), limit],
    ).df()


def record_verdict(
    conn: duckdb.DuckDBPyConnection, asset: str, item_id: str, verdict: str, reviewer: str
) -> int:
    """A person's verdict on an item's pending flags; returns how many rows it settled."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {VERDICTS}, not {verdict!r}")
    found = conn.execute(
        f"update {LABEL_REVIEW.name} set verdict = ?, reviewer = ?, reviewed_at = now() "
        "where asset = ? and item_id = ? and verdict is null returning item_id",
        [verdict, reviewer, asset, item_id],
    ).fetchall()
    return len(found)
