"""Alerts for failed checks: what they say, and an outbox that delivers each exactly once.

The parts live in their own modules, re-exported here: lib/alert_text.py (CheckAlert: the text
and blocks, with values escaped), lib/alert_outbox.py (AlertOutbox: dq_alerts, statuses and
grouping) and lib/alert_budget.py (TickBudget: how much one sensor tick may do). This module
turns a check evaluation into an alert.

Values of columns marked `sensitive` in a source contract never reach an alert: the samples of
a check on such a column are masked, and counts are shown instead.
"""

from typing import Any

import dagster as dg

from dq_pipelines.lib.alert_outbox import AlertGroup, AlertOutbox
from dq_pipelines.lib.alert_text import FRESHNESS_POLICY_CHECK, CheckAlert, freshness_alert
from dq_pipelines.lib.project import Project

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
# Expectation kwargs that name the column(s) a check reads.
_COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list", "column_set")


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
