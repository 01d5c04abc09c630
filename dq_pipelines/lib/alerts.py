"""Alerts for failed checks: what they say, and an outbox that delivers each exactly once.

Every alert is recorded in `dq_alerts`, keyed by its check evaluation, whatever happens to it:
- `sent`: posted to Slack.
- `stored`: Slack was not configured when the alert was raised; it is logged and kept. It stays
  stored: configuring Slack later does not flood the channel with old news.
- `failed`: Slack was configured but the post did not get through. The alert sensor retries
  failed alerts first on every tick, oldest first, counting `attempts` and keeping the last
  `error`, until one gets through and is marked sent.
An alert is posted only while its row is absent or `failed`, so no tick, nor a sensor that lost
its cursor, posts it twice. (A process killed between Slack accepting a post and the row being
written would post that one alert again: Slack offers no idempotency key to prevent it.)

Values of columns marked `sensitive` in a source contract never reach an alert: the samples of
a check on such a column are masked, and counts are shown instead.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

import dagster as dg

from dq_pipelines.lib.project import Project
from dq_pipelines.lib.slack import SlackDeliveryError, SlackNotConfiguredError, SlackNotifier
from dq_pipelines.lib.warehouse import DuckDBWarehouse

RETRY_BATCH = 50  # failed alerts retried per tick, oldest first
# Metadata keys shown in an alert, in this order, when the check recorded them.
_SHOWN = (
    "observed_value",
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "unexpected_sample",
    "masked",
    "error",
    "expectation_type",
    "kwargs",
    "description",
)
# Expectation kwargs that name the column(s) a check reads.
_COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list", "column_set")
_COLUMNS = (
    "alert_id, created_at, asset, check_name, severity, run_id, status, destination, text, "
    "blocks, error, attempts, last_attempt_at"
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
    return CheckAlert(
        asset=evaluation.asset_key.to_user_string(),
        check_name=evaluation.check_name,
        severity=evaluation.severity.value,
        blocking=bool(evaluation.blocking),
        run_id=run_id,
        run_url=run_url,
        blocked_assets=tuple(sorted(blocked_assets)) if evaluation.blocking else (),
        facts={k: metadata[k] for k in _SHOWN if metadata.get(k) not in (None, "", [])},
    )


class _Outcome(NamedTuple):
    status: str
    destination: str
    error: str | None
    attempted: bool


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

    def retry_failed(self, limit: int = RETRY_BATCH) -> list[str]:
        """Post failed alerts again, oldest first; returns the new status of each one tried."""
        if not self.slack.is_configured:
            return []
        with self.warehouse.connect() as conn:
            rows = conn.execute(
                "select alert_id, text, blocks from dq_alerts where status = 'failed' "
                "order by created_at, alert_id limit ?",
                [limit],
            ).fetchall()
        statuses = []
        for alert_id, text, blocks in rows:
            outcome = self._post(alert_id, text, json.loads(blocks) if blocks else None)
            if not outcome.attempted:
                break
            with self.warehouse.connect() as conn:
                conn.execute(
                    "update dq_alerts set status = ?, destination = ?, error = ?, "
                    "attempts = attempts + 1, last_attempt_at = ? "
                    "where alert_id = ? and status = 'failed'",
                    [outcome.status, outcome.destination, outcome.error, _now(), alert_id],
                )
            statuses.append(outcome.status)
        return statuses

    def deliver(self, alert: CheckAlert) -> str:
        """Post a new alert and record it; returns its status, or 'duplicate' if recorded."""
        with self.warehouse.connect() as conn:
            seen = conn.execute(
                "select 1 from dq_alerts where alert_id = ?", [alert.alert_id]
            ).fetchone()
        if seen:  # sent, stored, or failed and so already retried by retry_failed
            return "duplicate"
        text, blocks = alert.text(), alert.blocks()
        outcome = self._post(alert.alert_id, text, blocks)
        now = _now()
        with self.warehouse.connect() as conn:
            conn.execute(
                f"insert or replace into dq_alerts ({_COLUMNS}) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    alert.alert_id,
                    now,
                    alert.asset,
                    alert.check_name,
                    alert.severity,
                    alert.run_id,
                    outcome.status,
                    outcome.destination,
                    text,
                    json.dumps(blocks),
                    outcome.error,
                    int(outcome.attempted),
                    now if outcome.attempted else None,
                ],
            )
        return outcome.status

    def _post(self, alert_id: str, text: str, blocks: list[dict] | None) -> _Outcome:
        if self.unavailable:
            return _Outcome("failed", self.slack.destination(), self.unavailable, False)
        try:
            return _Outcome("sent", self.slack.post(text, blocks), None, True)
        except SlackNotConfiguredError as e:
            self.log.warning(f"{e}; alert kept in dq_alerts:\n{text}")
            return _Outcome("stored", "dq_alerts table (Slack not configured)", None, False)
        except SlackDeliveryError as e:
            if e.unavailable:
                self.unavailable = f"not attempted: Slack was unavailable earlier this tick ({e})"
            self.log.error(f"alert {alert_id} could not be delivered ({e}); kept in dq_alerts")
            return _Outcome("failed", self.slack.destination(), str(e), True)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
