"""Alerts for failed checks: what they say, and delivery that never loses one.

Every alert is recorded in the `dq_alerts` table whatever happens to it (sent, stored because
Slack is not configured, or failed), keyed by its check evaluation, so it is never sent twice.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from dq_pipelines.lib.slack import SlackDeliveryError, SlackNotConfiguredError, SlackNotifier
from dq_pipelines.lib.warehouse import DuckDBWarehouse

# Metadata keys shown in an alert, in this order, when the check recorded them.
_SHOWN = (
    "observed_value",
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "unexpected_sample",
    "error",
    "expectation_type",
    "kwargs",
    "description",
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


def alert_for(
    evaluation: dg.AssetCheckEvaluation, run_id: str, run_url: str, blocked_assets: list[str]
) -> CheckAlert:
    metadata = {k: v.value for k, v in evaluation.metadata.items()}
    observed = metadata.get("observed_value")
    if isinstance(observed, dict) and set(observed) == {"value"}:
        metadata["observed_value"] = observed["value"]
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


def deliver(alert: CheckAlert, slack: SlackNotifier, warehouse: DuckDBWarehouse, log) -> str:
    """Post the alert unless already sent; record the outcome. Returns the status."""
    with warehouse.connect() as conn:
        seen = conn.execute(
            "select status from dq_alerts where alert_id = ?", [alert.alert_id]
        ).fetchone()
    if seen and seen[0] in ("sent", "stored"):
        return "duplicate"
    status, error = "sent", None
    try:
        destination = slack.post(alert.text(), alert.blocks())
    except SlackNotConfiguredError:
        status, destination = "stored", "dq_alerts table (Slack not configured)"
        log.warning(f"Slack is not configured; alert kept in dq_alerts:\n{alert.text()}")
    except SlackDeliveryError as e:
        status, destination, error = "failed", slack.destination(), str(e)
        log.error(f"alert {alert.alert_id} could not be delivered ({e}); kept in dq_alerts")
    with warehouse.connect() as conn:
        conn.execute(
            "insert or replace into dq_alerts values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                alert.alert_id,
                datetime.now(UTC).replace(tzinfo=None),
                alert.asset,
                alert.check_name,
                alert.severity,
                alert.run_id,
                status,
                destination,
                alert.text(),
                error,
            ],
        )
    return status
