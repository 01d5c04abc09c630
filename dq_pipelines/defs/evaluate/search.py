"""product_search_evaluation: the newest search index measured on the feedback's judgements,
beside the champion on the same judgements, and whether it goes into service.

The newest version is decided once, at its first evaluation: promoted when all its golden cases
passed and no declared metric (defs/evaluate/promotion.yaml) is worse than the champion's beyond
its tolerance, else kept a challenger with the reason. Later evaluations (new feedback, the
same index) record its and the champion's metrics only, so their history shows how the model in
service fares as users go on searching.
"""

from datetime import UTC, datetime
from typing import Any

import dagster as dg

from dq_pipelines.declared.project import (
    SEARCH_ASSET,
    SEARCH_EVALUATION_ASSET,
    TRAINING_SET,
    load_project,
)
from dq_pipelines.declared.promotion import promotion_rules
from dq_pipelines.ml.feedback_judgements import read_judgements
from dq_pipelines.ml.model_store import ModelStore
from dq_pipelines.ml.promotion import PromotionDecision
from dq_pipelines.ml.search_evaluation import (
    SearchEvaluation,
    decide,
    evaluate_timed,
    evaluation_metadata,
    metric_records,
)
from dq_pipelines.storage import model_registry
from dq_pipelines.storage.ops_tables import MODEL_METRICS, insert
from dq_pipelines.storage.warehouse import DuckDBWarehouse


def _decision(
    newest: dict[str, Any],
    evaluation: SearchEvaluation,
    champion: SearchEvaluation | None,
) -> PromotionDecision | None:
    """Promote or keep out the newest version; None when it was decided before."""
    if model_registry.is_decided(newest):
        return None
    tolerances = promotion_rules()[SEARCH_ASSET].tolerances
    measured = champion.metrics() if champion is not None else None
    return decide(evaluation, measured, model_registry.golden_failed(newest), tolerances)


@dg.definitions
def search_evaluation() -> dg.Definitions:
    project = load_project()

    @dg.asset(
        name=SEARCH_EVALUATION_ASSET,
        group_name="evaluate",
        deps=list(project.deps[SEARCH_EVALUATION_ASSET]),
        kinds={"scikitlearn"},
    )
    def product_search_evaluation(
        context: dg.AssetExecutionContext, duckdb: DuckDBWarehouse, model_store: ModelStore
    ) -> dg.MaterializeResult:
        """recall@10, MRR and nDCG@10 of the newest search index and of the champion, on the
        same judgements from search feedback; promotes the newest when it is first evaluated and
        its golden cases and metrics allow."""
        with duckdb.connect() as conn:
            newest = model_registry.newest(conn, SEARCH_ASSET)
            current = model_registry.champion(conn, SEARCH_ASSET)
            judged = read_judgements(conn)
        if newest is None:
            raise dg.Failure(f"no built {SEARCH_ASSET} in dq_model_registry to evaluate")
        version = str(newest["model_version"])
        products = duckdb.read_table(TRAINING_SET)
        index = model_store.load_search_index(SEARCH_ASSET, version)
        evaluation = evaluate_timed(index, products, judged)
        champion_version = str(current["model_version"]) if current else None
        champion = None
        if champion_version is not None and champion_version != version:
            served = model_store.load_search_index(SEARCH_ASSET, champion_version)
            champion = evaluate_timed(served, products, judged)
        decision = _decision(newest, evaluation, champion)
        now = datetime.now(UTC).replace(tzinfo=None)
        with duckdb.connect() as conn:
            rows = metric_records(evaluation, version, context.run_id, now)
            if champion is not None and champion_version is not None:
                rows += metric_records(champion, champion_version, context.run_id, now)
            insert(conn, MODEL_METRICS, rows)
            if decision is not None and decision.promote:
                model_registry.promote(conn, SEARCH_ASSET, version, decision.reason)
            elif decision is not None:
                model_registry.keep_challenger(conn, version, decision.reason)
            status = model_registry.version(conn, version) or newest
        if decision is not None:
            said = "PROMOTED to champion" if decision.promote else "NOT promoted (challenger)"
            context.log.info(f"{SEARCH_ASSET} {version}: {said}: {decision.reason}")
        return dg.MaterializeResult(
            metadata={
                "model_version": version,
                **evaluation_metadata(
                    evaluation, champion.metrics() if champion else None, champion_version
                ),
                "decided_now": decision is not None,
                "in_service": status["status"] == model_registry.CHAMPION,
                "status": status["status"],
                "promotion_reason": status["status_reason"] or "",
                "champion_before": champion_version or "none",
                "judged_pairs_read": len(judged),
            }
        )

    return dg.Definitions(assets=[product_search_evaluation])
