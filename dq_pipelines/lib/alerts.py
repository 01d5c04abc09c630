"""Alerts for failed checks: what they say, and an outbox that delivers each exactly once.

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

Values of columns marked `sensitive` in a source contract never reach an alert: the samples of
a check on such a column are masked, and counts are shown instead.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import dagster as dg
import duckdb

from dq_pipelines.lib.project import Project
from dq_pipelines.lib.slack import (
    SlackDeliveryError,
    SlackMessage,
    SlackNotifier,
)
from dq_pipelines.lib.warehouse import DuckDBWarehouse

RETRY_BATCH = 50  # failed alerts retried per tick, oldest first
# A claim older than this was left by a tick that stopped between posting and recording.
STALE_CLAIM = timedelta(minutes=15)
# Metadata keys shown in an alert, in this order, when the check recorded them.
_SHOWN = (
    "observed_value",
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "unexpected_sample",
    "masked",
    "publication",
    "quarantined_rows",
    "error",
    "expectation_type",
    "kwargs",
    "description",
)
# Expectation kwargs that name the column(s) a check reads.
_COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list", "column_set")
_COLUMNS = (
    "alert_id, created_at, asset, check_name, severity, run_id, status, destination, text, "
    "blocks, error, attempts, last_attempt_at, group_id, slack_ts, run_url"
)


@dataclass(frozen=True)
class CheckAlert:
    asset: str
    check_name: str
    severity: str
    blocking: bool
    run_id: str
    run_url: str
    blocked_assets: tuple[str, ...]
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def alert_id(self) -> str:
        """One alert per check evaluation: a run evaluates a check at most once."""
        return f"{self.run_id}:{self.asset}:{self.check_name}"

    @property
    def blocked_text(self) -> str:
        if not self.blocking:
            return "Nothing blocked (non-blocking check: downstream assets still ran)."
        return "Blocked: " + (", ".join(self.blocked_assets) or "nothing downstream")

    def text(self) -> str:
        lines = [
            f"Data check failed: {self.asset} / {self.check_name} "
            f"({self.severity}{', blocking' if self.blocking else ''})",
            *(f"- {k}: {_fmt(v)}" for k, v in self.facts.items()),
            self.blocked_text,
            f"Run: {self.run_url}",
        ]
        return "\n".join(lines)

    def blocks(self) -> list[dict[str, Any]]:
        icon = ":red_circle:" if self.severity == "ERROR" else ":large_yellow_circle:"
        facts = "\n".join(f"*{k}*: `{_fmt(v)}`" for k, v in self.facts.items())
        return [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": f"Check failed: {self.asset}.{self.check_name}"[:150],
                },
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": (
                        f"{icon} *{self.severity}*{' (blocking)' if self.blocking else ''}\n{facts}"
                    )[:3000],
                },
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": self.blocked_text}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"<{self.run_url}|Open the run>"},
            },
        ]


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 300 else text[:297] + "..."


def mask(value: Any) -> str | None:
    """A raw value as its first character and length ('a***(12)'); short values show neither."""
    if value is None:
        return None
    text = str(value)
    return f"{text[0] if len(text) > 4 else ''}***({len(text)})"


def _mask_strings(value: Any) -> Any:
    """Strings masked wherever they are in a JSON value; numbers (aggregates) are kept."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list):
        return [_mask_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _mask_strings(v) for k, v in value.items()}
    return value


def sensitive_columns(project: Project, asset: str) -> frozenset[str]:
    """Columns marked sensitive in the contracts of the sources an asset is built from.

    Matched by name, as SQL models keep a source column's name (stg_feedback.query is
    raw_feedback.query); masking a same-named harmless column costs nothing.
    """
    sources = project.ancestors(asset) | {asset}
    return frozenset(
        column.name
        for contract in project.contracts.values()
        if contract.raw_table in sources
        for column in contract.columns
        if column.sensitive
    )


def _columns_read(kwargs: Any) -> set[str]:
    if not isinstance(kwargs, dict):
        return set()
    named = [kwargs.get(k) for k in _COLUMN_KWARGS]
    return {c for v in named for c in (v if isinstance(v, list) else [v]) if isinstance(c, str)}


def _hide_sensitive(metadata: dict[str, Any], sensitive: frozenset[str]) -> None:
    """Mask the sampled and observed values of a check that reads a sensitive column."""
    hidden = sorted(_columns_read(metadata.get("kwargs")) & sensitive)
    if not hidden:
        return
    sample = metadata.get("unexpected_sample")
    if sample:
        metadata["unexpected_sample"] = [mask(v) for v in sample]
    metadata["observed_value"] = _mask_strings(metadata.get("observed_value"))
    metadata["masked"] = f"values of sensitive column(s) {', '.join(hidden)}"


FRESHNESS_POLICY_CHECK = "freshness_policy"


def freshness_alert(
    asset: str, failed_at: datetime, severity: str, fail_window: str, url: str
) -> CheckAlert:
    """A FAIL from Dagster's freshness daemon, in the same shape (one alert per transition)."""
    return CheckAlert(
        asset=asset,
        check_name=FRESHNESS_POLICY_CHECK,
        severity=severity,
        blocking=False,
        run_id=f"freshness-{failed_at:%Y%m%dT%H%M%S}",
        run_url=url,
        blocked_assets=(),
        facts={"state": "FAIL", "since": failed_at.isoformat(), "fail_window": fail_window},
    )


def alert_for(
    evaluation: dg.AssetCheckEvaluation,
    run_id: str,
    run_url: str,
    blocked_assets: list[str],
    sensitive: frozenset[str] = frozenset(),
) -> CheckAlert:
    """The alert for a failed evaluation; `sensitive` names columns whose values stay hidden."""
    metadata = {k: v.value for k, v in evaluation.metadata.items()}
    observed = metadata.get("observed_value")
    if isinstance(observed, dict) and set(observed) == {"value"}:
        metadata["observed_value"] = observed["value"]
    _hide_sensitive(metadata, sensitive)
    # A blocking check reported at WARN (its failing rows were quarantined) blocks nothing.
    blocks = bool(evaluation.blocking) and evaluation.severity == dg.AssetCheckSeverity.ERROR
    return CheckAlert(
        asset=evaluation.asset_key.to_user_string(),
        check_name=evaluation.check_name,
        severity=evaluation.severity.value,
        blocking=blocks,
        run_id=run_id,
        run_url=run_url,
        blocked_assets=tuple(sorted(blocked_assets)) if blocks else (),
        facts={k: metadata[k] for k in _SHOWN if metadata.get(k) not in (None, "", [])},
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
        self, slack: SlackNotifier, warehouse: DuckDBWarehouse, log: logging.Logger
    ) -> None:
        self.slack = slack
        self.warehouse = warehouse
        self.log = log
        self.unavailable: str | None = None  # why Slack is skipped for the rest of this tick

    def checks_with_open_groups(self) -> set[tuple[str, str]]:
        """(asset, check_name) of every check whose failures are being grouped now."""
        with self.warehouse.connect() as conn:
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
        with self.warehouse.connect() as conn:
            conn.execute(
                "update dq_alert_groups set closed_at = ? where group_id = ? and closed_at is null",
                [_now(), group_id],
            )

    def retry_failed(self, limit: int = RETRY_BATCH) -> list[str]:
        """Post failed alerts again, oldest first; returns the new status of each one tried."""
        if not self.slack.is_configured:
            return []
        self._give_up_stale_claims()
        with self.warehouse.connect() as conn:
            rows = conn.execute(
                "select alert_id, group_id, text, blocks from dq_alerts "
                "where status in ('failed', 'refused') order by created_at, alert_id limit ?",
                [limit],
            ).fetchall()
        statuses = []
        for alert_id, group_id, text, blocks in rows:
            if self.unavailable:
                break
            if not self._claim_retry(alert_id):  # another tick took it meanwhile
                continue
            group = self._group_where("group_id = ?", [group_id]) if group_id else None
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
        with self.warehouse.connect() as conn:
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
        with self.warehouse.connect() as conn:
            taken = conn.execute(
                "update dq_alerts set status = 'sending', last_attempt_at = ? "
                "where alert_id = ? and status in ('failed', 'refused') returning alert_id",
                [_now(), alert_id],
            ).fetchall()
        return bool(taken)

    def _record(self, alert_id: str, group_id: str | None, outcome: _Outcome) -> None:
        """What the post of a claimed alert did; then, after a reply, the thread's parent."""
        with self.warehouse.connect() as conn:
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
        with self.warehouse.connect() as conn:
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
        with self.warehouse.connect() as conn:
            row = conn.execute(
                f"select group_id, last_run_id, slack_ts from dq_alert_groups where {condition}",
                params,
            ).fetchone()
        return AlertGroup(*row) if row else None

    def _already_posted_by_webhook(self, group: AlertGroup) -> bool:
        """Through a webhook a group gets one message: a later failure is only recorded once
        one of the group's alerts was posted, or is waiting in the outbox to be."""
        if self.slack.threads or not self.slack.is_configured:
            return False
        with self.warehouse.connect() as conn:
            posted = conn.execute(
                "select 1 from dq_alerts where group_id = ? "
                "and status in ('sent', 'sending', 'failed') "
                "limit 1",
                [group.group_id],
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
            message = self.slack.send(text, blocks, thread_ts)
        except SlackDeliveryError as e:
            self._note_outage(e)
            self.log.error(f"alert {alert_id} could not be delivered ({e}); kept in dq_alerts")
            status = "failed" if e.unavailable else "refused"
            return _Outcome(status, self.slack.destination(), str(e), True)
        return _Outcome("sent", message.destination, None, True, message, thread_ts)

    def _update_thread_parent(self, group_id: str | None, outcome: _Outcome) -> None:
        """After a reply in a group's thread, edit the thread's channel message to say for how
        many runs in a row the check has failed, linking the latest. An edit that fails is
        logged, not retried: the group's next reply edits the message again."""
        message = outcome.message
        if not (group_id and message and message.channel and outcome.thread_ts):
            return
        edited = self._edited_parent(group_id, outcome.thread_ts)
        if edited is None:
            return
        try:
            self.slack.update(message.channel, outcome.thread_ts, *edited)
        except SlackDeliveryError as e:
            self._note_outage(e)
            self.log.warning(f"could not edit the Slack message of alert group {group_id}: {e}")

    def _edited_parent(self, group_id: str, thread_ts: str) -> tuple[str, list[dict]] | None:
        """Text and blocks of the thread's channel message: its alert as first posted, with the
        group's failure count and a link to its latest run."""
        with self.warehouse.connect() as conn:
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
                    "text": f"Failing for *{failures}* consecutive runs, last run: <{run_url}>",
                }
            ],
        }
        parent_blocks = json.loads(blocks)
        return (
            f"{text}\nFailing for {failures} consecutive runs, last run: {run_url}",
            [*parent_blocks[:1], note, *parent_blocks[1:]],
        )

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
