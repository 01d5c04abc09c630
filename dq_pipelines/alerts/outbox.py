"""The alert outbox: dq_alerts, so each alert is delivered exactly once through its channel.

Every alert is recorded in `dq_alerts`, keyed by its check evaluation, whatever happens to it:
- `sent`: posted to the channel (alerts/channels/: Slack webhook or bot today).
- `grouped`: not posted, because its check was already failing and the group's message was
  posted, or is waiting to be, through a channel that cannot reply in a thread (a Slack
  incoming webhook; see below).
- `stored`: the channel was not configured when the alert was raised; it is logged and kept.
  It stays stored: configuring the channel later does not flood it with old news.
- `failed`: the channel was configured but unavailable (unreachable, timing out, 5xx). The
  alert sensor retries failed alerts first on every tick, oldest first, counting
  `attempts` and keeping the last `error`, until one gets through and is marked sent.
- `refused`: the channel answered but refused this post (bad payload, token or channel).
  Retried like `failed` (a fixed token or channel lets it through), but it does not count as the
  message of its group, so a group whose first alert is refused still gets its message.
- `sending`: claimed for a post. An alert's row is written before it is posted (a retry flips
  `failed` to `sending` first), so an overlapping tick, or one that lost its cursor, finds it
  and posts nothing; the post's outcome is recorded after.
- `uncertain`: still `sending` 15 minutes after its claim: the tick stopped between posting and
  recording (killed, or the warehouse stayed locked). It is not posted again, since the channel
  may show it already; the error says so and the sensor logs it.
So each claim posts an alert once, and a failed post is retried until it gets through. One
case can still show an alert twice, since Slack offers no idempotency key: a post whose answer
timed out after it was accepted (timeouts are retried, as an outage must be). A tick that dies
mid-post leaves its alert `uncertain`, never re-posted.

Consecutive failures of one check form a group (alerts/groups.py). On a channel that replies in
threads (a Slack bot token), the group's first posted alert starts its thread and every later
one replies in it, after which, if the channel edits, the first message is edited to say for how
many runs in a row the check has failed. Whether an alert starts the thread or replies in it is
decided when it is posted, so a group's first alert retried after an outage still starts it. A
group whose first alerts were stored or failed starts its thread with the first one posted.
The outbox knows channels only through their interface (alerts/channels/base.py).

A sensor tick works within a TickBudget (alerts/budget.py): an alert is not started once the
budget is spent, and a post's retries stop at its deadline, so a tick stays inside Dagster's
60 s sensor limit; what is left waits in the outbox (or behind the sensor's cursor).
"""

import dataclasses
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import NamedTuple

from dq_pipelines.alerts import alert_rows, groups
from dq_pipelines.alerts.budget import TickBudget
from dq_pipelines.alerts.channels.base import Channel, Delivered, DeliveryError
from dq_pipelines.alerts.groups import AlertGroup
from dq_pipelines.alerts.held_connection import HeldConnection
from dq_pipelines.alerts.message import CheckAlert
from dq_pipelines.alerts.redact import redact
from dq_pipelines.storage.warehouse import DuckDBWarehouse

RETRY_BATCH = 50  # failed alerts retried per tick, oldest first


class _Outcome(NamedTuple):
    status: str
    destination: str
    error: str | None
    attempted: bool
    delivered: Delivered | None = None  # the channel's answer, when sent
    thread_id: str | None = None  # the thread it was posted in

    @property
    def message_id(self) -> str | None:
        return self.delivered.message_id if self.delivered else None

    @property
    def started_thread(self) -> bool:
        """A message that can be replied to, posted outside a thread: it can be a group's."""
        return self.message_id is not None and self.thread_id is None


class AlertOutbox:
    """dq_alerts as an outbox, for one sensor tick.

    Once the channel proves unavailable (unreachable, timing out, rate-limiting or failing with
    5xx after its own retries), the tick posts nothing more: the rest stay failed, without an
    attempt, for the next tick. So one tick waits out at most one post's retries. A post the
    channel refuses (bad payload, token or channel) does not stop the others.
    """

    def __init__(
        self,
        channel: Channel,
        warehouse: DuckDBWarehouse,
        log: logging.Logger,
        budget: TickBudget | None = None,
    ) -> None:
        self.channel = channel
        self.log = log
        self.budget = budget
        self.unavailable: str | None = None  # why the channel is skipped for the rest of the tick
        self._told_not_configured = False
        self._connection = HeldConnection(warehouse)

    @contextmanager
    def holding_warehouse(self) -> Iterator[None]:
        """Reuse one warehouse connection for the alerts handled inside (see HeldConnection)."""
        with self._connection.holding():
            yield

    def checks_with_open_groups(self) -> set[tuple[str, str]]:
        """(asset, check_name) of every check whose failures are being grouped now."""
        with self._connection.connect() as conn:
            return groups.open_checks(conn)

    def open_group(self, asset: str, check_name: str) -> AlertGroup | None:
        """The group the check's next failure joins, if it is failing."""
        with self._connection.connect() as conn:
            return groups.open_group(conn, asset, check_name)

    def close_group(self, group_id: str) -> None:
        """The group's check passed: its next failure opens a new group."""
        with self._connection.connect() as conn:
            groups.close_group(conn, group_id, _now())

    def retry_failed(self, limit: int = RETRY_BATCH) -> list[str]:
        """Post failed alerts again, oldest first; returns the new status of each one tried."""
        if not self.channel.is_configured:
            return []
        with self._connection.connect() as conn:
            for alert_id in alert_rows.give_up_stale_claims(conn, _now()):
                self.log.error(f"alert {alert_id}: delivery uncertain, not posted again")
            retries = alert_rows.to_retry(conn, limit)
        statuses = []
        for retry in retries:
            if self.unavailable or (self.budget and self.budget.spent()):
                break
            with self._connection.connect() as conn:
                if not alert_rows.claim_retry(conn, retry.alert_id, _now()):
                    continue  # another tick took it meanwhile
                group = groups.group_by_id(conn, retry.group_id) if retry.group_id else None
            if self.budget:
                self.budget.take()
            if group and self._group_has_its_message(group, retry.alert_id):
                # Refused earlier, and meanwhile another alert became the group's message.
                outcome = _Outcome("grouped", self.channel.destination(), None, False)
            else:
                outcome = self._post(retry.alert_id, retry.text, retry.blocks, group)
            self._record(retry.alert_id, retry.group_id, outcome)
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
        if not self.channel.is_configured:
            status = "stored"
        elif group and self._group_has_its_message(group):
            status = "grouped"
        else:
            status = "sending"
        if not self._claim(alert, group, group_id, status, text, blocks):
            return "duplicate"
        if status == "stored":
            self._say_not_configured()
            self.log.debug(f"alert {alert.alert_id} kept in dq_alerts:\n{text}")
        if status != "sending":
            return status
        outcome = self._post(alert.alert_id, text, blocks, group)
        self._record(alert.alert_id, group_id, outcome)
        return outcome.status

    def _say_not_configured(self) -> None:
        """Once per tick: a tick storing 10 alerts would otherwise print 10 warnings (and,
        with the bodies, ~110 lines); each body is logged at debug level."""
        if not self._told_not_configured:
            self.log.warning(
                f"{self.channel.why_not_configured()}; alerts are kept in dq_alerts "
                "(status 'stored'), not posted"
            )
            self._told_not_configured = True

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
            f"dq_alerts table ({self.channel.name} not configured)"
            if status == "stored"
            else self.channel.destination()
        )
        with self._connection.connect() as conn:
            conn.begin()
            claimed = alert_rows.insert_claimed(
                conn, alert, status, destination, text, blocks, group_id, now
            )
            if not claimed:
                conn.rollback()
                return False
            groups.count_failure(
                conn, group, group_id, alert.asset, alert.check_name, alert.run_id, now
            )
            conn.commit()
        return True

    def _record(self, alert_id: str, group_id: str | None, outcome: _Outcome) -> None:
        """What the post of a claimed alert did; then, after a reply, the thread's parent."""
        with self._connection.connect() as conn:
            conn.begin()
            alert_rows.record_outcome(
                conn,
                alert_id,
                outcome.status,
                outcome.destination,
                outcome.error,
                outcome.attempted,
                outcome.message_id,
                _now(),
            )
            if group_id and outcome.started_thread:
                assert outcome.message_id is not None
                groups.claim_thread(conn, group_id, outcome.message_id)
            conn.commit()
        self._update_thread_parent(group_id, outcome)

    def _group_has_its_message(self, group: AlertGroup, alert_id: str = "") -> bool:
        """On a channel without threads a group gets one message: a later failure is only
        recorded once one of the group's alerts (other than `alert_id`) was posted, or is
        waiting in the outbox to be."""
        if self.channel.replies_in_thread or not self.channel.is_configured:
            return False
        with self._connection.connect() as conn:
            return alert_rows.group_has_message(conn, group.group_id, alert_id)

    def _post(
        self, alert_id: str, text: str, blocks: list[dict] | None, group: AlertGroup | None
    ) -> _Outcome:
        """Posts in the group's thread when it has one and the channel can reply there."""
        destination = self.channel.destination()
        if self.unavailable:
            return _Outcome("failed", destination, self.unavailable, False)
        thread_id = group.thread_id if group and self.channel.replies_in_thread else None
        try:
            if thread_id:
                delivered = self.channel.reply_in_thread(
                    thread_id, text, blocks, deadline=self._deadline
                )
            else:
                delivered = self.channel.post(text, blocks, deadline=self._deadline)
        except DeliveryError as e:
            if e.unavailable:
                self.unavailable = (
                    f"not attempted: {self.channel.name} was unavailable earlier this tick ({e})"
                )
            error = redact(str(e))  # channels redact their errors already: belt and braces
            self.log.error(f"alert {alert_id} could not be delivered ({error}); kept in dq_alerts")
            return _Outcome("failed" if e.unavailable else "refused", destination, error, True)
        return _Outcome("sent", delivered.destination, None, True, delivered, thread_id)

    def _update_thread_parent(self, group_id: str | None, outcome: _Outcome) -> None:
        """After a reply in a group's thread, edit the thread's first message to say for how
        many runs in a row the check has failed, linking the latest. An edit that fails is
        logged, not retried, and does not count as an outage for the tick's posts: the group's
        next reply edits the message again."""
        reply = outcome.delivered
        if not (self.channel.edits and group_id and reply and outcome.thread_id):
            return
        with self._connection.connect() as conn:
            edited = groups.edited_parent(conn, group_id, outcome.thread_id)
        if edited is None:
            return
        parent = dataclasses.replace(reply, message_id=outcome.thread_id)  # same conversation
        try:
            self.channel.edit(parent, *edited, deadline=self._deadline)
        except DeliveryError as e:  # only this edit failed: posts go on
            self.log.warning(f"could not edit the message of alert group {group_id}: {e}")

    @property
    def _deadline(self) -> float | None:
        return self.budget.deadline if self.budget else None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
