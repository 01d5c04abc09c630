"""product_search_index: the product-search index, built only from data whose blocking checks
passed and judged by its golden search cases. Each build is a new version, registered as a
challenger; product_search_evaluation (defs/evaluate/search.py) measures it on the feedback's
judgements and decides whether it goes into service."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg
from pydantic import Field

from dq_pipelines.checks.dagster_results import to_check_result
from dq_pipelines.declared.project import SEARCH_ASSET, TRAINING_SET, load_project
from dq_pipelines.ml.gate import blocking_checks_upstream, gate_training
from dq_pipelines.ml.golden import run_golden_cases
from dq_pipelines.ml.golden_checks import model_asset
from dq_pipelines.ml.model_store import ModelStore
from dq_pipelines.ml.search_index import build_index
from dq_pipelines.ml.versions import build_metadata, register_version
from dq_pipelines.storage.warehouse import DuckDBWarehouse


class SearchIndexConfig(dg.Config):
    components: int = Field(default=128, ge=2, description="Vector size of the tfidf backend.")
    override_failed_checks_reason: str = Field(
        default="",
        description="Build despite unpassed upstream blocking checks; the reason is recorded.",
    )


@dg.definitions
def search() -> dg.Definitions:
    project = load_project()
    gate_keys = blocking_checks_upstream(project, SEARCH_ASSET)
    golden = project.golden_for(SEARCH_ASSET)

    @model_asset(
        SEARCH_ASSET,
        [TRAINING_SET],
        {"scikitlearn", "numpy"},
        "Embeddings of product title and description for nearest-neighbour product search, "
        "built only from data whose blocking checks passed and judged by its golden cases.",
        golden,
    )
    def product_search_index(
        context: dg.AssetExecutionContext,
        config: SearchIndexConfig,
        duckdb: DuckDBWarehouse,
        model_store: ModelStore,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        """Embeddings of product title and description for nearest-neighbour product search.

        Blocked (nothing built, saying why) while a blocking check upstream has not passed,
        unless an override reason is given."""
        override = config.override_failed_checks_reason.strip()
        unpassed = gate_training(context, duckdb, project, SEARCH_ASSET, gate_keys, override)
        if unpassed is None:
            return
        products = duckdb.read_table(TRAINING_SET)
        started = time.perf_counter()
        index = build_index(products, model_store.embedding_backend, config.components)
        build_seconds = time.perf_counter() - started
        trained_at = datetime.now(UTC)
        # Prefixed: category_model may be trained in the same run and second (the key is shared).
        version = f"search-{trained_at:%Y%m%dT%H%M%S}-{context.run_id[:8]}"
        artifact = model_store.save(SEARCH_ASSET, version, index)
        results = run_golden_cases(
            golden,
            classify=None,
            search=lambda q, k: [(h.product_id, h.category, h.score) for h in index.search(q, k)],
        )
        row = {
            "model_version": version,
            "model_asset": SEARCH_ASSET,
            "trained_at": trained_at.replace(tzinfo=None),
            "artifact_path": str(artifact),
            "training_rows": len(index),
            "holdout_rows": 0,
            "training_load_ids": sorted(products["catalog_load_id"].dropna().unique().tolist()),
            "run_id": context.run_id,
            "gate_override_reason": override or None,
        }
        with duckdb.connect() as conn:
            outcomes = register_version(conn, row, results)
        yield dg.MaterializeResult(
            asset_key=SEARCH_ASSET,
            metadata={
                "model_version": version,
                "artifact": str(artifact),
                "embedding_backend": index.backend,
                "dimensions": int(index.vectors.shape[1]),
                "products": len(index),
                "build_seconds": round(build_seconds, 2),
                "training_load_ids": row["training_load_ids"],
            }
            | build_metadata(override, unpassed, results),
        )
        for outcome in outcomes:
            yield to_check_result(SEARCH_ASSET, outcome, frozenset())

    return dg.Definitions(assets=[product_search_index])
