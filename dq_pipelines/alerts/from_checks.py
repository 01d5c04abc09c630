"""Alerts for failed checks: what they say, and an outbox that delivers each exactly once.

The parts live in their own modules, re-exported here: alerts/message.py (CheckAlert: the text
and blocks, with values escaped), alerts/outbox.py (AlertOutbox: dq_alerts, statuses and
grouping) and alerts/budget.py (TickBudget: how much one sensor tick may do). This module
turns a check evaluation into an alert.

Values of columns marked `sensitive` in a source contract never reach an alert: the samples of
a check on such a column are masked (checks/masking.py, which also masks check metadata and
quarantined rows), and counts are shown instead.
"""

import dagster as dg

from dq_pipelines.alerts.message import FRESHNESS_POLICY_CHECK, CheckAlert, freshness_alert
from dq_pipelines.alerts.outbox import AlertGroup, AlertOutbox
from dq_pipelines.checks.dagster_results import blocks as check_blocks
from dq_pipelines.checks.masking import hide_sensitive, mask, sensitive_columns

__all__ = [
    "FRESHNESS_POLICY_CHECK",
    "AlertGroup",
    "AlertOutbox",
    "CheckAlert",
    "alert_for",
    "freshness_alert",
    "mask",
    "sensitive_columns",
]

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


def alert_for(
    evaluation: dg.AssetCheckEvaluation,
    run_id: str,
    run_url: str,
    blocked_assets: list[str],
    sensitive: frozenset[str] = frozenset(),
    scorecard_url: str | None = None,
) -> CheckAlert:
    """The alert for a failed evaluation; `sensitive` names columns whose values stay hidden."""
    metadata = {k: v.value for k, v in evaluation.metadata.items()}
    observed = metadata.get("observed_value")
    if isinstance(observed, dict) and set(observed) == {"value"}:
        metadata["observed_value"] = observed["value"]
    hide_sensitive(metadata, sensitive)
    blocks = check_blocks(evaluation)
    return CheckAlert(
        asset=evaluation.asset_key.to_user_string(),
        check_name=evaluation.check_name,
        severity=evaluation.severity.value,
        blocking=blocks,
        run_id=run_id,
        run_url=run_url,
        blocked_assets=tuple(sorted(blocked_assets)) if blocks else (),
        facts={k: metadata[k] for k in _SHOWN if metadata.get(k) not in (None, "", [])},
        scorecard_url=scorecard_url,
    )
