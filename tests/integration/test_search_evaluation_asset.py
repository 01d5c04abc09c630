"""product_search_evaluation: each search index version measured on the published judgements,
beside the champion on the same judgements; recorded per version in dq_model_metrics and in the
metadata; a challenger worse than the champion kept out of service, and decided only once."""

import dagster as dg
import pandas as pd
from pipeline_support import run_job

from dq_pipelines.cli.sample_products import sample_products, sample_queries
from dq_pipelines.declared.project import (
    JUDGEMENTS,
    SEARCH_ASSET,
    SEARCH_EVALUATION_ASSET,
    TRAINING_SET,
)

SEARCH_METRICS = ("recall_at_10", "mrr", "ndcg_at_10")


def _materialize(defs, instance, selection, components: int = 32) -> dg.ExecuteInProcessResult:
    job = dg.define_asset_job("search_only", selection=selection)
    config = {"ops": {SEARCH_ASSET: {"config": {"components": components,
              "override_failed_checks_reason": "index evaluated on hand-made data"}}}}  # fmt: skip
    return run_job(
        dg.Definitions.merge(defs, dg.Definitions(jobs=[job])), instance, "search_only",
        run_config=config if SEARCH_ASSET in selection else {},
    )  # fmt: skip


def _queries() -> pd.DataFrame:
    return sample_queries().drop_duplicates("query")  # "sofa bed" is a sofa and a bed


def _judged(products: pd.DataFrame) -> pd.DataFrame:
    """feedback_judgements as published: for each sample query, two products of its category
    picked, one with a thumbs up (gain 2), one clicked (gain 1)."""
    rows = []
    for query, category in _queries().itertuples(index=False):
        same = products[products["label"] == category]["product_id"].tolist()
        rows += [(query, same[0], 2, category), (query, same[1], 1, category)]
    return pd.DataFrame(rows, columns=["query", "product_id", "gain", "weak_label"])


def _metadata(result: dg.ExecuteInProcessResult) -> dict[str, dg.MetadataValue]:
    assert result.success
    return result.asset_materializations_for_node(SEARCH_EVALUATION_ASSET)[0].metadata


def test_versions_judged_on_the_same_pairs_and_a_worse_challenger_stays_a_challenger(
    defs, instance, warehouse
):
    products = sample_products(500, seed=2).rename(columns={"category": "label"})
    products["catalog_load_id"] = "load-1"
    with warehouse.connect() as conn:
        conn.register("products", products)
        conn.register("judged", _judged(products))
        conn.execute(f"create table {TRAINING_SET} as select * from products")
        conn.execute(f"create table {JUDGEMENTS} as select * from judged")
    both = [SEARCH_ASSET, SEARCH_EVALUATION_ASSET]

    meta = _metadata(_materialize(defs, instance, both))
    queries = len(_queries())
    assert meta["judged_queries_labels"].value == meta["judged_queries_clicks"].value == queries
    assert meta["feedback_pairs"].value == meta["weak_label_pairs"].value == 2 * queries
    assert meta["thumbs_up_pairs"].value == meta["clicked_pairs"].value == queries
    assert 0.5 < meta["ndcg_at_10_labels"].value <= 1.0  # the sample queries find their category
    assert isinstance(meta["mrr_clicks"], dg.FloatMetadataValue)
    assert "| ndcg_at_10 | labels |" in meta["search_metrics"].value
    assert meta["decided_now"].value and meta["in_service"].value
    assert meta["champion_before"].value == "none"
    first_ndcg = meta["ndcg_at_10_labels"].value

    # Four dimensions still pass the golden cases but tell the categories apart less well
    # (nDCG@10 on labels ~0.81 against ~0.94): judged on the same pairs as the champion, the
    # new version is worse beyond the declared tolerance and stays out.
    meta = _metadata(_materialize(defs, instance, both, components=4))
    assert meta["decided_now"].value and not meta["in_service"].value
    reason = meta["promotion_reason"].value
    assert "worse than the champion" in reason and "ndcg_at_10/labels" in reason, reason
    table = meta["search_metrics"].value
    assert "champion search-" in table.splitlines()[0]
    assert f"{first_ndcg:.4f} |" in next(
        r for r in table.splitlines() if "ndcg_at_10 | labels" in r
    )
    registry = warehouse.query(
        "select model_version, status, status_reason from dq_model_registry order by trained_at"
    )
    assert registry.status.tolist() == ["champion", "challenger"]
    assert "ndcg_at_10/labels" in registry.status_reason.iloc[1]

    # New feedback, the same index: both versions measured again, nothing decided again.
    meta = _metadata(_materialize(defs, instance, [SEARCH_EVALUATION_ASSET]))
    assert not meta["decided_now"].value and meta["status"].value == "challenger"
    after = warehouse.query(
        "select model_version, status from dq_model_registry order by trained_at"
    )
    assert after.status.tolist() == ["champion", "challenger"]
    recorded = warehouse.query(
        "select model_version, count(*) as n from dq_model_metrics where metric in "
        f"{SEARCH_METRICS} group by all order by min(evaluated_at)"
    )
    # 3 metrics x 2 judgement sources per evaluation: the champion measured thrice (its own,
    # then beside the challenger twice), the challenger twice.
    assert recorded.model_version.tolist() == registry.model_version.tolist()
    assert recorded.n.tolist() == [18, 12]


def test_without_a_built_index_the_evaluation_fails_saying_so(defs, instance):
    result = _materialize(defs, instance, [SEARCH_EVALUATION_ASSET])
    assert not result.success
    failure = result.get_step_failure_events()[0]
    assert "no built product_search_index in dq_model_registry" in str(
        failure.step_failure_data.error
    )
