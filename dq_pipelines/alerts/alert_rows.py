"""The life of one alert's row in `dq_alerts`: claimed, posted or not, recorded.

The row is written before the post (as `sending`, or straight as `stored` or `grouped`), so a
second tick finds it and posts nothing; a retry flips `failed` or `refused` to `sending` the same
way; the post's outcome is recorded after. See alerts/outbox.py for what each status means.
These functions run on a connection the caller holds.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from dq_pipelines.alerts.message import CheckAlert
from dq_pipelines.storage.ops_tables import ALERTS, insert

# A claim older than this was left by a tick that stopped between posting and recording.
STALE_CLAIM = timedelta(minutes=15)
# Statuses that mean a group's message is posted or waiting to be (a refused one is not).
_POSTED_OR_WAITING = ("sent", "sending", "failed")


@dataclass(frozen=True)
class Retry:
    """A failed or refused alert, as stored, to post again."""

    alert_id: str
    group_id: str | None
    text: str
    blocks: list[dict] | None


def insert_claimed(
    conn: duckdb.DuckDBPyConnection,
    alert: CheckAlert,
    status: str,
    destination: str,
    text: str,
    blocks: list[dict],
    group_id: str,
    now: datetime,
) -> bool:
    """Write the alert's row; False if it is recorded already (by an earlier or concurrent tick).
    Inside the caller's transaction, which it rolls back on False."""
    row = {
        "alert_id": alert.alert_id,
        "created_at": now,
        "asset": alert.asset,
        "check_name": alert.check_name,
        "severity": alert.severity,
        "run_id": alert.run_id,
        "status": status,
        "destination": destination,
        "text": text,
        "blocks": json.dumps(blocks),
        "attempts": 0,
        "last_attempt_at": now if status == "sending" else None,
        "group_id": group_id,
        "run_url": alert.run_url,
    }
    try:
        insert(conn, ALERTS, [row])
    except duckdb.ConstraintException:
        return False
    return True


def to_retry(conn: duckdb.DuckDBPyConnection, limit: int) -> list[Retry]:
    """Failed and refused alerts, oldest first."""
    rows = conn.execute(
        "select alert_id, group_id, text, blocks from dq_alerts "
        "where status in ('failed', 'refused') order by created_at, alert_id limit ?",
        [limit],
    ).fetchall()
    return [
        Retry(a, g, text, json.loads(blocks) if blocks else None) for a, g, text, blocks in rows
    ]


def claim_retry(conn: duckdb.DuckDBPyConnection, alert_id: str, now: datetime) -> bool:
    """Take a failed alert for one more attempt; False if another tick took it first."""
    taken = conn.execute(
        "update dq_alerts set status = 'sending', last_attempt_at = ? "
        "where alert_id = ? and status in ('failed', 'refused') returning alert_id",
        [now, alert_id],
    ).fetchall()
    return bool(taken)


def record_outcome(
    conn: duckdb.DuckDBPyConnection,
    alert_id: str,
    status: str,
    destination: str,
    error: str | None,
    attempted: bool,
    message_id: str | None,
    now: datetime,
) -> None:
    """What the post of a claimed (`sending`) alert did."""
    conn.execute(
        "update dq_alerts set status = ?, destination = ?, error = ?, "
        "attempts = attempts + ?, last_attempt_at = ?, slack_ts = ? "
        "where alert_id = ? and status = 'sending'",
        [status, destination, error, int(attempted), now, message_id, alert_id],
    )


def give_up_stale_claims(conn: duckdb.DuckDBPyConnection, now: datetime) -> list[str]:
    """Alerts still `sending` long after their claim were posted, or not, by a tick that then
    stopped (killed, or the warehouse stayed locked): they become `uncertain` and are not posted
    again, because the channel may already show them. Returns their ids."""
    stale = conn.execute(
        "update dq_alerts set status = 'uncertain', error = ? "
        "where status = 'sending' and last_attempt_at < ? returning alert_id",
        [
            "the tick that posted it stopped before recording the outcome; "
            "check Slack, it may or may not have arrived",
            now - STALE_CLAIM,
        ],
    ).fetchall()
    return [alert_id for (alert_id,) in stale]


def group_has_message(conn: duckdb.DuckDBPyConnection, group_id: str, alert_id: str = "") -> bool:
    """Has one of the group's alerts (other than `alert_id`) been posted, or is one waiting in
    the outbox to be?"""
    posted = conn.execute(
        "select 1 from dq_alerts where group_id = ? and status in (?, ?, ?) "
        "and alert_id <> ? limit 1",
        [group_id, *_POSTED_OR_WAITING, alert_id],
    ).fetchone()
    return posted is not None
