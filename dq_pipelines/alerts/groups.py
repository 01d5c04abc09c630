"""Alert groups (`dq_alert_groups`): consecutive failures of one check, and their thread.

A failure joins its check's open group, or opens one whose id is its alert's; a passing
evaluation closes it. On a channel that replies in threads, the group's first posted alert is a
message whose id becomes the group's thread (the `slack_ts` column), every later one a reply in
it; on a channel that also edits, the thread's first message is then edited to say for how many
runs in a row the check has failed. These functions run on a connection the caller holds, so a
group's count is written in the same transaction as its alert.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from dq_pipelines.alerts.message import run_link, run_url_text
from dq_pipelines.storage.ops_tables import ALERT_GROUPS, insert


@dataclass(frozen=True)
class AlertGroup:
    """Consecutive failures of one check, and the thread they go to, if it has one."""

    group_id: str
    last_run_id: str
    thread_id: str | None  # the message id of the group's thread (column slack_ts)


def open_checks(conn: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(asset, check_name) of every check whose failures are being grouped now."""
    rows = conn.execute(
        "select asset, check_name from dq_alert_groups where closed_at is null"
    ).fetchall()
    return {(asset, check_name) for asset, check_name in rows}


def open_group(conn: duckdb.DuckDBPyConnection, asset: str, check_name: str) -> AlertGroup | None:
    """The group the check's next failure joins, if it is failing."""
    return _group_where(
        conn, "asset = ? and check_name = ? and closed_at is null", [asset, check_name]
    )


def group_by_id(conn: duckdb.DuckDBPyConnection, group_id: str) -> AlertGroup | None:
    return _group_where(conn, "group_id = ?", [group_id])


def close_group(conn: duckdb.DuckDBPyConnection, group_id: str, now: datetime) -> None:
    """The group's check passed: its next failure opens a new group."""
    conn.execute(
        "update dq_alert_groups set closed_at = ? where group_id = ? and closed_at is null",
        [now, group_id],
    )


def count_failure(
    conn: duckdb.DuckDBPyConnection,
    group: AlertGroup | None,
    group_id: str,
    asset: str,
    check_name: str,
    run_id: str,
    now: datetime,
) -> None:
    """One more failure in the check's open `group`, or a new group `group_id` if none."""
    if group:
        conn.execute(
            "update dq_alert_groups set failures = failures + 1, last_run_id = ? "
            "where group_id = ?",
            [run_id, group_id],
        )
        return
    row = {
        "group_id": group_id,
        "asset": asset,
        "check_name": check_name,
        "opened_at": now,
        "last_run_id": run_id,
        "failures": 1,
    }
    insert(conn, ALERT_GROUPS, [row])


def claim_thread(conn: duckdb.DuckDBPyConnection, group_id: str, message_id: str) -> None:
    """A message that can be replied to becomes its group's thread, unless it has one."""
    conn.execute(
        "update dq_alert_groups set slack_ts = ? where group_id = ? and slack_ts is null",
        [message_id, group_id],
    )


def edited_parent(
    conn: duckdb.DuckDBPyConnection, group_id: str, thread_id: str
) -> tuple[str, list[dict]] | None:
    """Text and blocks of the thread's first message: its alert as first posted, with the
    group's failure count and a link to its latest run."""
    row = conn.execute(
        "select g.failures, parent.text, parent.blocks, latest.run_url "
        "from dq_alert_groups g "
        "join dq_alerts parent on parent.group_id = g.group_id and parent.slack_ts = ? "
        "join dq_alerts latest "
        "on latest.group_id = g.group_id and latest.run_id = g.last_run_id "
        "where g.group_id = ?",
        [thread_id, group_id],
    ).fetchone()
    if row is None:  # only if the tables were edited by hand
        return None
    failures, text, blocks, run_url = row
    note = {
        "type": "context",
        "elements": [
            {
                "type": "mrkdwn",
                "text": f"Failing for *{failures}* consecutive runs, last run: {run_link(run_url)}",
            }
        ],
    }
    parent_blocks = json.loads(blocks)
    return (
        f"{text}\nFailing for {failures} consecutive runs, last run: {run_url_text(run_url)}",
        [*parent_blocks[:1], note, *parent_blocks[1:]],
    )


def _group_where(
    conn: duckdb.DuckDBPyConnection, condition: str, params: list[Any]
) -> AlertGroup | None:
    row = conn.execute(
        f"select group_id, last_run_id, slack_ts from dq_alert_groups where {condition}", params
    ).fetchone()
    return AlertGroup(*row) if row else None
