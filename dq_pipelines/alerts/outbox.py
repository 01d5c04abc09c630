"""The alert outbox: dq_alerts, so each alert is delivered exactly once, and its grouping.

Every alert is recorded in `dq_alerts`, keyed by its check evaluation, whatever happens to it:
- `sent`: posted to Slack.
- `grouped`: not posted, because its check was already failing and the group's message was
  posted, or is waiting to be, through an incoming webhook, which can neither reply in a thread
  nor edit a message (see below).
- `stored`: Slack was not configured when the alert was raised; it is logged and kept. It stays
  stored: configuring Slack later does not flood the channel with old news.
- `failed`: Slack was configured but unavailable (unreachable, timing out, rate-limiting, 5xx).
  The alert sensor retries failed alerts first on every tick, oldest first, counting
  `attempts` and keeping the last `error`, until one gets through and is marked sent.
- `refused`: Slack answered but refused this post (bad payload, token or channel). Retried like
  `failed` (a fixed token or channel lets it through), but it does not count as the message of
  its group for a webhook, so a group whose first alert is refused still gets its message.
- `sending`: claimed for a post. An alert's row is written before it is posted (a retry flips
  `failed` to `sending` first), so an overlapping tick, or one that lost its cursor, finds it
  and posts nothing; the post's outcome is recorded after.
- `uncertain`: still `sending` 15 minutes after its claim: the tick stopped between posting and
  recording (killed, or the warehouse stayed locked). It is not posted again, since Slack may
  show it already; the error says so and the sensor logs it.
So each claim posts an alert once, and a failed post is retried until it gets through. One
case can still show an alert twice in Slack, which offers no idempotency key: a post whose
answer timed out after Slack had accepted it (timeouts are retried, as an outage must be). A
tick that dies mid-post leaves its alert `uncertain`, never re-posted.

Consecutive failures of one check form a group (`dq_alert_groups`): a failure joins its check's
open group, or opens one whose id is its alert's; a passing evaluation closes it. With a bot
token, the group's first posted alert is a channel message (its `slack_ts` is the group's) and
every later one a reply in its thread, after which the channel message is edited to say for how
many runs in a row the check has failed. Whether an alert starts the thread or replies in it is
decided when it is posted, so a group's first alert retried after an outage still starts it. A
group whose first alerts were stored or failed starts its thread with the first one posted.


A sensor tick works within a TickBudget (alerts/budget.py): an alert is not started once the
budget is spent, and a post's retries stop at its deadline, so a tick stays inside Dagster's
60 s sensor limit; what is left waits in the outbox (or behind the sensor's cursor).
"""

import json
import logging
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import duckdb

from dq_pipelines.alerts.budget import TickBudget
from dq_pipelines.alerts.channels.slack import SlackDeliveryError, SlackMessage, SlackNotifier
from dq_pipelines.alerts.message import CheckAlert, run_link, run_url_text
from dq_pipelines.alerts.redact import redact
from dq_pipelines.storage.warehouse import DuckDBWarehouse

RETRY_BATCH = 50  # failed alerts retried per tick, oldest first
HOLD_SECONDS = 1.0  # longest a tick keeps one warehouse connection before letting others in
# A claim older than this was left by a tick that stopped between posting and recording.
STALE_CLAIM = timedelta(minutes=15)
_COLUMNS = (
    "alert_id, created_at, asset, check_name, severity, run_id, status, destination, text, "
    "blocks, error, attempts, last_attempt_at, group_id, slack_ts, run_url"
)


@dataclass(frozen=True)
class AlertGroup:
    """Consecutive failures of one check, and the Slack thread they go to, if it has one."""

    group_id: str
    last_run_id: str
    slack_ts: str | None


class _Outcome(NamedTuple):
    status: str
    destination: str
    error: str | None
    attempted: bool
    message: SlackMessage | None = None  # Slack's answer, when sent
    thread_ts: str | None = None  # the thread it was posted in

    @property
    def slack_ts(self) -> str | None:
        return self.message.ts if self.message else None

    @property
    def started_thread(self) -> bool:
        """A channel message posted with the bot token, which can be a group's thread."""
        return self.slack_ts is not None and self.thread_ts is None


class AlertOutbox:
    """dq_alerts as an outbox, for one sensor tick.

    Once Slack proves unavailable (unreachable, timing out, rate-limiting or failing with 5xx
    after the client's own retries), the tick posts nothing more: the rest stay failed, without
    an attempt, for the next tick. So one tick waits out at most one post's retries. A post
    Slack refuses (bad payload, token or channel) does not stop the others.
    """

    def __init__(
        self,
        slack: SlackNotifier,
        warehouse: DuckDBWarehouse,
        log: logging.Logger,
        budget: TickBudget | None = None,
    ) -> None:
        self.slack = slack
        self.warehouse = warehouse
        self.log = log
        self.budget = budget
        self.unavailable: str | None = None  # why Slack is skipped for the rest of this tick
        self._holding = False  # see holding_warehouse()
        self._held: ExitStack | None = None
        self._held_conn: duckdb.DuckDBPyConnection | None = None
        self._held_since = 0.0

    @contextmanager
    def holding_warehouse(self) -> Iterator[None]:
        """Reuse one warehouse connection for the alerts handled inside, instead of opening one
        per statement (about 40 ms each: 1,000 alerts would take minutes). It is closed and
        reopened every HOLD_SECONDS, between alerts, so other processes get the file in turn."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
            self._release()

    def _release(self) -> None:
        if self._held is not None:
            self._held.close()
        self._held, self._held_conn = None, None

    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if not self._holding:
            with self.warehouse.connect() as conn:
                yield conn
            return
        if self._held is not None and time.monotonic() - self._held_since > HOLD_SECONDS:
            self._release()
        if self._held is None:
            self._held = ExitStack()
            self._held_conn = self._held.enter_context(self.warehouse.connect())
            self._held_since = time.monotonic()
        assert self._held_conn is not None
        yield self._held_conn

    def checks_with_open_groups(self) -> set[tuple[str, str]]:
        """(asset, check_name) of every check whose failures are being grouped now."""
        with self._connect() as conn:
            rows = conn.execute(
                "select asset, check_name from dq_alert_groups where closed_at is null"
            ).fetchall()
        return {(asset, check_name) for asset, check_name in rows}

    def open_group(self, asset: str, check_name: str) -> AlertGroup | None:
        """The group the check's next failure joins, if it is failing."""
        return self._group_where(
            "asset = ? and check_name = ? and closed_at is null", [asset, check_name]
        )

    def close_group(self, group_id: str) -> None:
        """The group's check passed: its next failure opens a new group."""
        with self._connect() as conn:
            conn.execute(
                "update dq_alert_groups set closed_at = ? where group_id = ? and closed_at is null",
                [_now(), group_id],
            )

    def retry_failed(self, limit: int = RETRY_BATCH) -> list[str]:
        """Post failed alerts again, oldest first; returns the new status of each one tried."""
        if not self.slack.is_configured:
            return []
        self._give_up_stale_claims()
        with self._connect() as conn:
            rows = conn.execute(
                "select alert_id, group_id, text, blocks from dq_alerts "
                "where status in ('failed', 'refused') order by created_at, alert_id limit ?",
                [limit],
            ).fetchall()
        statuses = []
        for alert_id, group_id, text, blocks in rows:
            if self.unavailable or (self.budget and self.budget.spent()):
                break
            if not self._claim_retry(alert_id):  # another tick took it meanwhile
                continue
            if self.budget:
                self.budget.take()
            group = self._group_where("group_id = ?", [group_id]) if group_id else None
            if group and self._already_posted_by_webhook(group, alert_id):
                # Refused earlier, and meanwhile another alert became the group's message.
                outcome = _Outcome("grouped", self.slack.destination(), None, False)
            else:
                outcome = self._post(alert_id, text, json.loads(blocks) if blocks else None, group)
            self._record(alert_id, group_id, outcome)
            statuses.append(outcome.status)
        return statuses

    def deliver(self, alert: CheckAlert) -> str:
        """Record a new alert in its check's group, then post it; returns its status, or
        'duplicate' if it is recorded already (then its group is left as it is).

        The row is written (as `sending`) before the post, so a second tick, or this one after
        losing its cursor, finds it and posts nothing; what the post did is recorded after.
        """
        if self.budget:
            self.budget.take()
        group = self.open_group(alert.asset, alert.check_name)
        group_id = group.group_id if group else alert.alert_id
        text, blocks = alert.text(), alert.blocks()
        if not self.slack.is_configured:
            status = "stored"
        elif group and self._already_posted_by_webhook(group):
            status = "grouped"
        else:
            status = "sending"
        if not self._claim(alert, group, group_id, status, text, blocks):
            return "duplicate"
        if status == "stored":
            self.log.warning(f"{self.slack.why_not_configured()}; alert kept in dq_alerts:\n{text}")
        if status != "sending":
            return status
        outcome = self._post(alert.alert_id, text, blocks, group)
        self._record(alert.alert_id, group_id, outcome)
        return outcome.status

    def _claim(
        self,
        alert: CheckAlert,
        group: AlertGroup | None,
        group_id: str,
        status: str,
        text: str,
        blocks: list[dict],
    ) -> bool:
        """Write the alert's row and its group's count in one transaction; False if the alert
        is recorded already (by an earlier or a concurrent tick)."""
        now = _now()
        destination = (
            "dq_alerts table (Slack not configured)"
            if status == "stored"
            else self.slack.destination()
        )
        with self._connect() as conn:
            conn.begin()
            try:
                conn.execute(
                    f"insert into dq_alerts ({_COLUMNS}) "
                    "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        alert.alert_id,
                        now,
                        alert.asset,
                        alert.check_name,
                        alert.severity,
                        alert.run_id,
                        status,
                        destination,
                        text,
                        json.dumps(blocks),
                        None,
                        0,
                        now if status == "sending" else None,
                        group_id,
                        None,
                        alert.run_url,
                    ],
                )
            except duckdb.ConstraintException:
                conn.rollback()
                return False
            if group:
                conn.execute(
                    "update dq_alert_groups set failures = failures + 1, last_run_id = ? "
                    "where group_id = ?",
                    [alert.run_id, group_id],
                )
            else:
                conn.execute(
                    "insert into dq_alert_groups "
                    "(group_id, asset, check_name, opened_at, last_run_id, failures) "
                    "values (?, ?, ?, ?, ?, 1)",
                    [group_id, alert.asset, alert.check_name, now, alert.run_id],
                )
            conn.commit()
        return True

    def _claim_retry(self, alert_id: str) -> bool:
        """Take a failed alert for one more attempt; False if another tick took it first."""
        with self._connect() as conn:
            taken = conn.execute(
                "update dq_alerts set status = 'sending', last_attempt_at = ? "
                "where alert_id = ? and status in ('failed', 'refused') returning alert_id",
                [_now(), alert_id],
            ).fetchall()
        return bool(taken)

    def _record(self, alert_id: str, group_id: str | None, outcome: _Outcome) -> None:
        """What the post of a claimed alert did; then, after a reply, the thread's parent."""
        with self._connect() as conn:
            conn.begin()
            conn.execute(
                "update dq_alerts set status = ?, destination = ?, error = ?, "
                "attempts = attempts + ?, last_attempt_at = ?, slack_ts = ? "
                "where alert_id = ? and status = 'sending'",
                [
                    outcome.status,
                    outcome.destination,
                    outcome.error,
                    int(outcome.attempted),
                    _now(),
                    outcome.slack_ts,
                    alert_id,
                ],
            )
            _claim_thread(conn, group_id, outcome)
            conn.commit()
        self._update_thread_parent(group_id, outcome)

    def _give_up_stale_claims(self) -> None:
        """An alert still `sending` long after its claim was posted, or not, by a tick that
        then stopped (killed, or the warehouse stayed locked): it becomes `uncertain` and is
        not posted again, because Slack may already show it."""
        with self._connect() as conn:
            stale = conn.execute(
                "update dq_alerts set status = 'uncertain', error = ? "
                "where status = 'sending' and last_attempt_at < ? returning alert_id",
                [
                    "the tick that posted it stopped before recording the outcome; "
                    "check Slack, it may or may not have arrived",
                    _now() - STALE_CLAIM,
                ],
            ).fetchall()
        for (alert_id,) in stale:
            self.log.error(f"alert {alert_id}: delivery uncertain, not posted again")

    def _group_where(self, condition: str, params: list[Any]) -> AlertGroup | None:
        with self._connect() as conn:
            row = conn.execute(
                f"select group_id, last_run_id, slack_ts from dq_alert_groups where {condition}",
                params,
            ).fetchone()
        return AlertGroup(*row) if row else None

    def _already_posted_by_webhook(self, group: AlertGroup, alert_id: str = "") -> bool:
        """Through a webhook a group gets one message: a later failure is only recorded once
        one of the group's alerts (other than `alert_id`) was posted, or is waiting in the
        outbox to be."""
        if self.slack.threads or not self.slack.is_configured:
            return False
        with self._connect() as conn:
            posted = conn.execute(
                "select 1 from dq_alerts where group_id = ? "
                "and status in ('sent', 'sending', 'failed') and alert_id <> ? "
                "limit 1",
                [group.group_id, alert_id],
            ).fetchone()
        return posted is not None

    def _post(
        self, alert_id: str, text: str, blocks: list[dict] | None, group: AlertGroup | None
    ) -> _Outcome:
        """Posts in the group's thread when it has one and the bot token can reply there."""
        if self.unavailable:
            return _Outcome("failed", self.slack.destination(), self.unavailable, False)
        thread_ts = group.slack_ts if group and self.slack.threads else None
        try:
            message = self.slack.send(text, blocks, thread_ts, deadline=self._deadline)
        except SlackDeliveryError as e:
            self._note_outage(e)
            error = redact(str(e))  # SlackDeliveryError is redacted already: belt and braces
            self.log.error(f"alert {alert_id} could not be delivered ({error}); kept in dq_alerts")
            status = "failed" if e.unavailable else "refused"
            return _Outcome(status, self.slack.destination(), error, True)
        return _Outcome("sent", message.destination, None, True, message, thread_ts)

    def _update_thread_parent(self, group_id: str | None, outcome: _Outcome) -> None:
        """After a reply in a group's thread, edit the thread's channel message to say for how
        many runs in a row the check has failed, linking the latest. An edit that fails is
        logged, not retried, and does not count as an outage for the tick's posts: the group's
        next reply edits the message again."""
        message = outcome.message
        if not (group_id and message and message.channel and outcome.thread_ts):
            return
        edited = self._edited_parent(group_id, outcome.thread_ts)
        if edited is None:
            return
        try:
            self.slack.update(message.channel, outcome.thread_ts, *edited, deadline=self._deadline)
        except SlackDeliveryError as e:  # only this edit failed: posts go on
            self.log.warning(f"could not edit the Slack message of alert group {group_id}: {e}")

    def _edited_parent(self, group_id: str, thread_ts: str) -> tuple[str, list[dict]] | None:
        """Text and blocks of the thread's channel message: its alert as first posted, with the
        group's failure count and a link to its latest run."""
        with self._connect() as conn:
            row = conn.execute(
                "select g.failures, parent.text, parent.blocks, latest.run_url "
                "from dq_alert_groups g "
                "join dq_alerts parent on parent.group_id = g.group_id and parent.slack_ts = ? "
                "join dq_alerts latest "
                "on latest.group_id = g.group_id and latest.run_id = g.last_run_id "
                "where g.group_id = ?",
                [thread_ts, group_id],
            ).fetchone()
        if row is None:  # only if the tables were edited by hand
            return None
        failures, text, blocks, run_url = row
        note = {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": (
                        f"Failing for *{failures}* consecutive runs, last run: {run_link(run_url)}"
                    ),
                }
            ],
        }
        parent_blocks = json.loads(blocks)
        return (
            f"{text}\nFailing for {failures} consecutive runs, last run: {run_url_text(run_url)}",
            [*parent_blocks[:1], note, *parent_blocks[1:]],
        )

    @property
    def _deadline(self) -> float | None:
        return self.budget.deadline if self.budget else None

    def _note_outage(self, e: SlackDeliveryError) -> None:
        if e.unavailable:
            self.unavailable = f"not attempted: Slack was unavailable earlier this tick ({e})"


def _claim_thread(conn: duckdb.DuckDBPyConnection, group_id: str | None, outcome: _Outcome) -> None:
    """A channel message posted with the bot token becomes its group's thread, unless the group
    has one already."""
    if group_id and outcome.started_thread:
        conn.execute(
            "update dq_alert_groups set slack_ts = ? where group_id = ? and slack_ts is null",
            [outcome.slack_ts, group_id],
        )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
