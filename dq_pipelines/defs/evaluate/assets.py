"""category_model_evaluation: holdout metrics of the newest model, as metadata and in DuckDB."""

from datetime import UTC, datetime

import dagster as dg

from dq_pipelines.declared.project import EVALUATION_ASSET, MODEL_ASSET, TRAINING_SET
from dq_pipelines.ml.classifier import evaluate_classifier, holdout_mask, labelled
from dq_pipelines.ml.model_store import ModelStore
from dq_pipelines.storage.ops_tables import MODEL_METRICS, insert
from dq_pipelines.storage.warehouse import DuckDBWarehouse


@dg.asset(
    name=EVALUATION_ASSET,
    group_name="evaluate",
    deps=[MODEL_ASSET, TRAINING_SET],
    kinds={"scikitlearn"},
)
def category_model_evaluation(
    context: dg.AssetExecutionContext, duckdb: DuckDBWarehouse, model_store: ModelStore
) -> dg.MaterializeResult:
    """Accuracy, macro-F1 and per-class recall of the newest model on its holdout products."""
    registry = duckdb.query(
        "select model_version, holdout_fraction from dq_model_registry "
        "where model_asset = ? order by trained_at desc limit 1",
        [MODEL_ASSET],
    )
    if registry.empty:
        raise dg.Failure(f"no trained {MODEL_ASSET} in dq_model_registry to evaluate")
    version = str(registry.iloc[0]["model_version"])
    data = labelled(duckdb.read_table(TRAINING_SET))
    holdout = data[holdout_mask(data["product_id"], float(registry.iloc[0]["holdout_fraction"]))]
    metrics = evaluate_classifier(model_store.load(MODEL_ASSET, version), holdout)
    rows = [("accuracy", None, metrics["accuracy"]), ("macro_f1", None, metrics["macro_f1"])]
    rows += [("recall", label, v) for label, v in metrics["recall_per_class"].items()]
    now = datetime.now(UTC).replace(tzinfo=None)
    with duckdb.connect() as conn:
        insert(
            conn,
            MODEL_METRICS,
            [
                {
                    "model_version": version,
                    "metric": metric,
                    "label": label,
                    "value": value,
                    "evaluated_at": now,
                    "run_id": context.run_id,
                }
                for metric, label, value in rows
            ],
        )
    return dg.MaterializeResult(
        metadata={
            "model_version": version,
            "holdout_rows": len(holdout),
            "accuracy": dg.MetadataValue.float(metrics["accuracy"]),
            "macro_f1": dg.MetadataValue.float(metrics["macro_f1"]),
            "recall_per_class": dg.MetadataValue.json(metrics["recall_per_class"]),
        }
    )
