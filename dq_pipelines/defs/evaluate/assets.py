"""category_model_evaluation: the newest model's holdout metrics, and whether it is promoted.

The newest trained version is the challenger. Its accuracy, macro-F1, per-class recall and
confusion matrix are recorded in `dq_model_metrics` and as metadata; it becomes the champion (the
model in service) only when all its golden cases passed and no key metric is worse than the
champion's beyond the tolerance declared in `defs/evaluate/promotion.yaml` (ml/promotion.py).
"""

from datetime import UTC, datetime

import dagster as dg
import duckdb

from dq_pipelines.declared.project import EVALUATION_ASSET, MODEL_ASSET, TRAINING_SET
from dq_pipelines.declared.promotion import promotion_rules
from dq_pipelines.ml.classifier import holdout_mask, labelled
from dq_pipelines.ml.evaluation import confusion_table, holdout_metrics, metric_rows
from dq_pipelines.ml.model_store import ModelStore
from dq_pipelines.ml.promotion import decide_promotion
from dq_pipelines.storage import model_registry
from dq_pipelines.storage.ops_tables import MODEL_METRICS, insert
from dq_pipelines.storage.warehouse import DuckDBWarehouse


def _champion_metrics(conn: duckdb.DuckDBPyConnection, version: str) -> dict[str, float] | None:
    """The champion's overall metrics as last evaluated."""
    found = conn.execute(
        "select metric, value from dq_model_metrics where model_version = ? and label is null "
        "order by evaluated_at",
        [version],
    ).fetchall()
    return dict(found) or None


@dg.asset(
    name=EVALUATION_ASSET,
    group_name="evaluate",
    deps=[MODEL_ASSET, TRAINING_SET],
    kinds={"scikitlearn"},
)
def category_model_evaluation(
    context: dg.AssetExecutionContext, duckdb: DuckDBWarehouse, model_store: ModelStore
) -> dg.MaterializeResult:
    """Accuracy, macro-F1, per-class recall and the confusion matrix of the newest model on its
    holdout products; promotes it to champion when its golden cases and metrics allow."""
    with duckdb.connect() as conn:
        newest = model_registry.newest(conn, MODEL_ASSET)
    if newest is None:
        raise dg.Failure(f"no trained {MODEL_ASSET} in dq_model_registry to evaluate")
    version = str(newest["model_version"])
    data = labelled(duckdb.read_table(TRAINING_SET))
    holdout = data[holdout_mask(data["product_id"], float(newest["holdout_fraction"]))]
    model = model_store.load(MODEL_ASSET, version)
    metrics = holdout_metrics(model, holdout)
    golden_failed = model_registry.golden_failed(newest)
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        {"model_version": version, "metric": metric, "label": label, "value": value,
         "evaluated_at": now, "run_id": context.run_id}
        for metric, label, value in metric_rows(metrics)
    ]  # fmt: skip
    rule = promotion_rules()[MODEL_ASSET]
    with duckdb.connect() as conn:
        current = model_registry.champion(conn, MODEL_ASSET)
        champion_version = current["model_version"] if current else None
        decision = decide_promotion(
            {"accuracy": metrics.accuracy, "macro_f1": metrics.macro_f1},
            _champion_metrics(conn, champion_version) if champion_version else None,
            golden_failed,
            rule.tolerances,
        )
        insert(conn, MODEL_METRICS, rows)
        if decision.promote:
            model_registry.promote(conn, MODEL_ASSET, version, decision.reason)
        else:
            model_registry.keep_challenger(conn, version, decision.reason)
    said = "PROMOTED to champion" if decision.promote else "NOT promoted (stays a challenger)"
    context.log.info(f"{MODEL_ASSET} {version}: {said}: {decision.reason}")
    return dg.MaterializeResult(
        metadata={
            "model_version": version,
            "holdout_rows": len(holdout),
            "accuracy": dg.MetadataValue.float(metrics.accuracy),
            "macro_f1": dg.MetadataValue.float(metrics.macro_f1),
            "recall_per_class": dg.MetadataValue.json(metrics.recall_per_class),
            "confusion_matrix": dg.MetadataValue.md(confusion_table(metrics)),
            "promoted": decision.promote,
            "promotion_reason": decision.reason,
            "champion_before": champion_version or "none",
            "golden_failed": golden_failed,
        }
    )
