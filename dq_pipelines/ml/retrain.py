"""When drift asks for a new model: the retrain sensor's decision, apart from Dagster's sensor.

Training is requested when the newest evaluation of a drift check says the share of drifted
columns (against the model in service) reached its declared `retrain_above_share`, and every
blocking check upstream of the model passed on that data. Each evaluation is acted on once
(the sensor's cursor is its storage id), so a drifted batch requests one training, not one
per tick.
"""

from dataclasses import dataclass

import dagster as dg

from dq_pipelines.checks.ml_drift import DRIFT_SUMMARY, RETRAIN_LEVEL_REACHED
from dq_pipelines.ml.gate import unpassed_checks


@dataclass(frozen=True)
class RetrainDecision:
    request: bool
    reason: str
    cursor: str | None  # the evaluation decided on (None: nothing new)


def decide_retrain(
    instance: dg.DagsterInstance,
    drift_check: dg.AssetCheckKey,
    gate_keys: list[dg.AssetCheckKey],
    cursor: str | None,
) -> RetrainDecision:
    """Should the model be retrained now, and why (or why not)."""
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key([drift_check])
    record = latest.get(drift_check)
    evaluation = record.event.asset_check_evaluation if record and record.event else None
    if record is None or evaluation is None:
        return RetrainDecision(False, f"{drift_check.name} has no evaluation yet", cursor)
    if cursor is not None and int(cursor) >= record.id:
        return RetrainDecision(False, f"no new evaluation of {drift_check.name}", cursor)
    seen = str(record.id)
    metadata = {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}
    summary = str(metadata.get(DRIFT_SUMMARY) or "no drift summary")
    if not metadata.get(RETRAIN_LEVEL_REACHED):
        return RetrainDecision(False, f"drift below the retrain level: {summary}", seen)
    unpassed = unpassed_checks(instance, gate_keys)
    if unpassed:
        blocked = "; ".join(u.describe() for u in unpassed)
        return RetrainDecision(False, f"drifted, but the data failed checks ({blocked})", seen)
    return RetrainDecision(True, summary, seen)
