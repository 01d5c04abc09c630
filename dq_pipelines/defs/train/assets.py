"""category_model: the text classifier, trained only on data whose blocking checks passed, and
judged by its golden cases (blocking checks on the model: a failing case blocks its promotion).

It learns from the labelled products and, weighed less, from search queries weakly labelled by
what users picked for them (ml/weak_labels.py); the feedback they come from is then upstream of
the model, so its blocking checks gate this training like the labels' do."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
from pydantic import Field

from dq_pipelines.checks.dagster_results import to_check_result
from dq_pipelines.checks.row_conditions import sql_literal
from dq_pipelines.declared.project import (
    JUDGEMENTS,
    MODEL_ASSET,
    TRAINING_SET,
    Project,
    load_project,
)
from dq_pipelines.ml.classifier import holdout_mask, labelled, train_classifier
from dq_pipelines.ml.feedback_judgements import (
    JUDGED_COLUMNS,
    read_judgements,
    weak_label_examples,
)
from dq_pipelines.ml.gate import blocking_checks_upstream, gate_training
from dq_pipelines.ml.golden import run_golden_cases
from dq_pipelines.ml.golden_checks import model_asset
from dq_pipelines.ml.model_store import ModelStore
from dq_pipelines.ml.versions import build_metadata, register_version
from dq_pipelines.storage.warehouse import DuckDBWarehouse


class TrainConfig(dg.Config):
    holdout_fraction: float = 0.2
    max_features: int = 50_000
    alpha: float = 1e-5
    weak_label_weight: float = Field(
        default=0.5,
        ge=0.0,
        description="Weight of a query weakly labelled from search feedback, against 1 for a "
        "labelled product; 0 leaves them out.",
    )
    override_failed_checks_reason: str = Field(
        default="",
        description="Train despite unpassed upstream blocking checks; the reason is recorded.",
    )


def _weak_examples(warehouse: DuckDBWarehouse, project: Project, weight: float) -> pd.DataFrame:
    """The weakly labelled queries to learn from (none when weighed 0 or not published)."""
    judged = pd.DataFrame(columns=JUDGED_COLUMNS)
    if weight > 0 and JUDGEMENTS in project.training_inputs:
        with warehouse.connect() as conn:
            judged = read_judgements(conn)
    return weak_label_examples(judged, weight)


def _keep_training_data(conn: duckdb.DuckDBPyConnection, snapshot: Path) -> None:
    """A copy of what the model learned from: the reference of drift checks on later batches."""
    conn.execute(
        f"copy (select * from {TRAINING_SET}) to {sql_literal(str(snapshot))} (format parquet)"
    )


@dg.definitions
def train() -> dg.Definitions:
    project = load_project()
    gate_keys = blocking_checks_upstream(project, MODEL_ASSET)
    golden = project.golden_for(MODEL_ASSET)

    @model_asset(
        MODEL_ASSET,
        project.training_inputs,
        {"scikitlearn"},
        "TF-IDF + linear classifier from product title and description to category, trained "
        "on labelled products and weakly labelled search queries, only from data whose blocking "
        "checks passed, and judged by its golden cases.",
        golden,
    )
    def category_model(
        context: dg.AssetExecutionContext,
        config: TrainConfig,
        duckdb: DuckDBWarehouse,
        model_store: ModelStore,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        """TF-IDF + linear classifier from product title and description to category.

        Blocked (nothing trained, the evaluation skipped, both saying why) while a blocking
        check upstream has not passed, unless an override reason is given."""
        override = config.override_failed_checks_reason.strip()
        unpassed = gate_training(context, duckdb, project, MODEL_ASSET, gate_keys, override)
        if unpassed is None:
            return
        data = labelled(duckdb.read_table(TRAINING_SET))
        holdout = holdout_mask(data["product_id"], config.holdout_fraction)
        weak = _weak_examples(duckdb, project, config.weak_label_weight)
        model = train_classifier(
            pd.concat([data[~holdout], weak], ignore_index=True),
            config.max_features,
            config.alpha,
        )
        trained_at = datetime.now(UTC)
        version = f"{trained_at:%Y%m%dT%H%M%S}-{context.run_id[:8]}"
        artifact = model_store.save(MODEL_ASSET, version, model)
        results = run_golden_cases(golden, classify=lambda t: list(model.predict(t)), search=None)
        snapshot = model_store.training_data_path(MODEL_ASSET, version)
        row = {
            "model_version": version,
            "model_asset": MODEL_ASSET,
            "trained_at": trained_at.replace(tzinfo=None),
            "artifact_path": str(artifact),
            "training_rows": int((~holdout).sum()),
            "weak_label_rows": len(weak),
            "holdout_rows": int(holdout.sum()),
            "holdout_fraction": config.holdout_fraction,
            "training_load_ids": sorted(data["catalog_load_id"].dropna().unique().tolist()),
            "run_id": context.run_id,
            "gate_override_reason": override or None,
            "training_data_path": str(snapshot),
        }
        with duckdb.connect() as conn:
            _keep_training_data(conn, snapshot)
            outcomes = register_version(conn, row, results)
        shown = ("model_version", "training_rows", "weak_label_rows", "holdout_rows")
        yield dg.MaterializeResult(
            asset_key=MODEL_ASSET,
            metadata={k: row[k] for k in shown}
            | {
                "artifact": str(artifact),
                "weak_label_weight": config.weak_label_weight,
                "training_load_ids": row["training_load_ids"],
            }
            | build_metadata(override, unpassed, results),
        )
        for outcome in outcomes:
            yield to_check_result(MODEL_ASSET, outcome, frozenset())

    return dg.Definitions(assets=[category_model])
