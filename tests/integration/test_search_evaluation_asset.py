"""product_search_index evaluated: its metrics recorded per version in dq_model_metrics and in
the materialization metadata, and a challenger worse than the champion kept out of service."""

import dagster as dg
import pandas as pd
from pipeline_support import run_job

from dq_pipelines.cli.sample_products import sample_products, sample_queries
from dq_pipelines.declared.project import SEARCH_ASSET, TRAINING_SET


def _materialize(defs, instance) -> dg.ExecuteInProcessResult:
    only = dg.define_asset_job("search_only", selection=[SEARCH_ASSET])
    config = {"ops": {SEARCH_ASSET: {"config": {"components": 32,
              "override_failed_checks_reason": "index evaluated on hand-made data"}}}}  # fmt: skip
    return run_job(dg.Definitions.merge(defs, dg.Definitions(jobs=[only])), instance,
                   "search_only", run_config=config)  # fmt: skip


def _queries() -> pd.DataFrame:
    return sample_queries().drop_duplicates("query")  # "sofa bed" is a sofa and a bed


def _feedback(products: pd.DataFrame) -> pd.DataFrame:
    """Each sample query: two products of its category clicked (one with a thumbs up), and one
    of another category clicked then thumbed down."""
    rows = []
    for query, category in _queries().itertuples(index=False):
        same = products[products["label"] == category]["product_id"].tolist()
        other = products[products["label"] != category]["product_id"].iloc[0]
        rows += [(query, same[0], 1, "up"), (query, same[1], 1, None), (query, other, 1, "down")]
    return pd.DataFrame(rows, columns=["query", "product_id", "clicked", "thumbs"])


def test_metrics_recorded_per_version_and_a_worse_challenger_stays_a_challenger(
    defs, instance, warehouse
):
    products = sample_products(500, seed=2).rename(columns={"category": "label"})
    products["catalog_load_id"] = "load-1"
    feedback = _feedback(products)
    with warehouse.connect() as conn:
        conn.register("products", products)
        conn.register("feedback", feedback)
        conn.execute(f"create table {TRAINING_SET} as select * from products")
        conn.execute("create table stg_feedback as select * from feedback")
    first = _materialize(defs, instance)
    assert first.success
    meta = first.asset_materializations_for_node(SEARCH_ASSET)[0].metadata
    queries = len(_queries())
    assert meta["judged_queries_labels"].value == meta["judged_queries_clicks"].value == queries
    assert meta["feedback_pairs"].value == 2 * queries and meta["weak_label_pairs"].value == (
        2 * queries
    )
    assert meta["thumbs_down_pairs_excluded"].value == queries
    assert 0.5 < meta["ndcg_at_10_labels"].value <= 1.0  # the sample queries find their category
    assert isinstance(meta["mrr_clicks"], dg.FloatMetadataValue)
    assert "| ndcg_at_10 | labels |" in meta["search_metrics"].value
    assert meta["promoted"].value and meta["champion_before"].value == "none"

    # The champion's recorded nDCG on labels raised beyond reach: the next build is worse
    # than it by more than the declared tolerance, so it stays a challenger, saying why.
    with warehouse.connect() as conn:
        conn.execute("update dq_model_metrics set value = value + 0.5 "
                     "where metric = 'ndcg_at_10' and label = 'labels'")  # fmt: skip
    second = _materialize(defs, instance)
    assert second.success
    meta = second.asset_materializations_for_node(SEARCH_ASSET)[0].metadata
    assert not meta["promoted"].value
    assert "worse than the champion: ndcg_at_10/labels" in meta["promotion_reason"].value
    assert "champion search-" in meta["search_metrics"].value.splitlines()[0]
    registry = warehouse.query(
        "select model_version, status, status_reason from dq_model_registry order by trained_at"
    )
    assert registry.status.tolist() == ["champion", "challenger"]
    assert "ndcg_at_10/labels" in registry.status_reason.iloc[1]
    recorded = warehouse.query(
        "select model_version, count(*) as n from dq_model_metrics "
        "where metric in ('recall_at_10', 'mrr', 'ndcg_at_10') group by all order by all"
    )
    assert recorded.model_version.tolist() == registry.model_version.tolist()
    assert recorded.n.tolist() == [6, 6]  # 3 metrics x 2 judgement sources, per version
