"""Search evaluation: label and click judgements on a hand-made index, the dq_model_metrics rows,
no feedback yet, and promotion against the champion's recorded metrics."""

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd
import pytest

from dq_pipelines.declared.promotion import promotion_rules
from dq_pipelines.ml.search_evaluation import (
    METRICS,
    SOURCES,
    decide,
    evaluate_search,
    evaluation_metadata,
    intended_categories,
    metric_key,
    metrics_table,
    read_feedback,
    recorded_metrics,
)
from dq_pipelines.ml.search_index import SearchIndex
from dq_pipelines.storage.ops_tables import MODEL_METRICS, ensure_ops_tables, insert

WORDS = ("chair", "lamp", "sofa")


class WordEmbedder:
    """One axis per word: a query is its word's unit vector (exact, known rankings)."""

    backend = "words"
    dimensions = len(WORDS)

    def fit(self, texts: Sequence[str]) -> "WordEmbedder":
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([[float(w in t) for w in WORDS] for t in texts], dtype=np.float32)


PRODUCTS = pd.DataFrame(
    {
        "product_id": ["P1", "P2", "P3", "P4"],
        "title": ["chair", "chair", "lamp", "sofa"],
        "description": ["", "", "", ""],
        "label": ["chairs", "chairs", "lamps", None],  # nobody labelled the sofa
    }
)
# chair: P1 (1.0), P2 (0.99), then the rest by row; lamp: P3 first; sofa: P4 first.
VECTORS = np.array([[1, 0, 0], [0.99, 0.141, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)


def _index() -> SearchIndex:
    ids = PRODUCTS["product_id"].to_numpy(dtype=object)
    return SearchIndex(WordEmbedder(), ids, PRODUCTS["label"].to_numpy(), ids, VECTORS)


FEEDBACK = pd.DataFrame(
    [
        ("chair", "P1", 0, None),  # shown first, not clicked
        ("chair", "P2", 1, None),  # clicked at rank 2
        ("chair", "P3", 1, "down"),  # clicked, then a thumbs down: excluded
        ("lamp", "P3", 1, "up"),  # gain 2
        ("sofa", "P4", 1, None),  # P4 unlabelled: no intended category for "sofa"
    ],
    columns=["query", "product_id", "clicked", "thumbs"],
)


def test_label_and_click_judgements_on_a_known_ranking():
    evaluation = evaluate_search(_index(), PRODUCTS, FEEDBACK)
    labels, clicks = evaluation.sources
    # Labels: "chair" -> chairs = {P1, P2}, "lamp" -> lamps = {P3}: both ranked perfectly;
    # "sofa" has no labelled pick, so it is ranked but not judged.
    assert labels.source == "labels" and labels.metrics is not None
    assert (labels.metrics.queries, labels.metrics.unjudged) == (2, 1)
    assert labels.metrics.mrr == labels.metrics.ndcg_at_10 == labels.metrics.recall_at_k == 1.0
    # Clicks: "chair" was clicked on P2 only, ranked second: RR 1/2, nDCG 1/log2(3).
    assert clicks.source == "clicks" and clicks.metrics is not None
    assert clicks.metrics.queries == 3 and clicks.metrics.recall_at_k == 1.0
    assert clicks.metrics.mrr == pytest.approx((0.5 + 1 + 1) / 3)
    assert clicks.metrics.ndcg_at_10 == pytest.approx((1 / np.log2(3) + 1 + 1) / 3)
    assert evaluation.volume == {
        "feedback_queries": 3,
        "feedback_pairs": 3,
        "clicked_pairs": 2,
        "thumbs_up_pairs": 1,
        "thumbs_down_pairs_excluded": 1,
        "weak_label_pairs": 2,  # chair-P2 and lamp-P3; sofa-P4 has no category to teach
    }


def test_the_metric_rows_name_metric_and_judgement_source():
    rows = evaluate_search(_index(), PRODUCTS, FEEDBACK).rows()
    by_key = {(m, s): v for m, s, v in rows}
    assert {(m, s) for m in METRICS for s in SOURCES} <= set(by_key)
    assert by_key[("mrr", "clicks")] == pytest.approx(2.5 / 3)
    assert by_key[("judged_queries", "labels")] == 2.0
    assert by_key[("weak_label_pairs", "clicks")] == 2.0
    assert all(isinstance(v, float) for v in by_key.values())


def test_no_feedback_yet_is_reported_not_an_error_and_not_compared():
    empty = pd.DataFrame(columns=["query", "product_id", "clicked", "thumbs"])
    evaluation = evaluate_search(_index(), PRODUCTS, empty)
    assert all(s.metrics is None and "no click feedback yet" in s.note for s in evaluation.sources)
    assert evaluation.metrics() == {}
    assert {m for m, _, v in evaluation.rows() if v == 0} == set(evaluation.volume)
    meta = evaluation_metadata(evaluation, None, None)
    assert meta["judged_queries_labels"].value == 0 and meta["feedback_pairs"].value == 0
    assert "no click feedback yet" in meta["not_judged_clicks"].value
    decision = decide(evaluation, None, [], promotion_rules()["product_search_index"].tolerances)
    assert decision.promote and "not measured: ndcg_at_10/clicks (no click feedback" in (
        decision.reason
    )
    # The golden cases still decide first.
    assert not decide(evaluation, None, ["chair-top10"], {"ndcg_at_10/labels": 0.02}).promote


def test_bad_feedback_is_refused_and_a_blank_search_ignored():
    with pytest.raises(ValueError, match=r"feedback lacks column\(s\) \['thumbs'\]"):
        evaluate_search(_index(), PRODUCTS, FEEDBACK.drop(columns="thumbs"))
    with pytest.raises(ValueError, match="label judgements need one"):
        evaluate_search(_index(), PRODUCTS.drop(columns="label"), FEEDBACK)
    blank = pd.concat([FEEDBACK, pd.DataFrame([("  ", "P1", 1, None)], columns=FEEDBACK.columns)])
    assert evaluate_search(_index(), PRODUCTS, blank).volume["feedback_queries"] == 3


def test_read_feedback_without_a_feedback_table_is_empty():
    assert read_feedback(duckdb.connect()).empty


def test_read_feedback_keeps_only_picks_once():
    conn = duckdb.connect()
    conn.register("f", pd.concat([FEEDBACK, FEEDBACK]))
    conn.execute("create table stg_feedback as select * from f")
    picked = read_feedback(conn)
    assert len(picked) == 4  # the unclicked chair-P1 impression judges nothing; duplicates once


def test_intended_category_is_the_majority_label_of_the_picks_ties_by_name():
    labels = {"A": "sofas", "B": "beds", "C": "beds", "D": "sofas"}
    assert intended_categories({"q": {"A": 1, "B": 1, "C": 1}}, labels) == {"q": "beds"}
    assert intended_categories({"q": {"A": 2, "B": 1}}, labels) == {"q": "beds"}  # a tie
    assert intended_categories({"q": {"X": 1}}, labels) == {}


def test_declared_search_tolerances_name_metrics_the_evaluation_records():
    measured = evaluate_search(_index(), PRODUCTS, FEEDBACK).metrics()
    tolerances = promotion_rules()["product_search_index"].tolerances
    assert tolerances and set(tolerances) <= set(measured)


def _recorded(conn: duckdb.DuckDBPyConnection, version: str, values: dict[str, float]) -> None:
    rows = [
        {"model_version": version, "metric": k.split("/")[0], "label": k.split("/")[1],
         "value": v, "evaluated_at": pd.Timestamp("2026-11-30"), "run_id": "r"}
        for k, v in values.items()
    ]  # fmt: skip
    insert(conn, MODEL_METRICS, rows)


def test_a_challenger_worse_than_the_recorded_champion_beyond_tolerance_is_kept_out():
    conn = duckdb.connect()
    ensure_ops_tables(conn)
    evaluation = evaluate_search(_index(), PRODUCTS, FEEDBACK)
    ours = evaluation.metrics()
    better = {**ours, "ndcg_at_10/clicks": ours["ndcg_at_10/clicks"] + 0.1}
    _recorded(conn, "search-champion", better)
    conn.execute("insert into dq_model_metrics (model_version, metric, value) values "
                 "('search-champion', 'accuracy', 0.5)")  # fmt: skip
    champion = recorded_metrics(conn, "search-champion")
    assert champion == better  # overall rows (label null) are not search metrics
    tolerances = promotion_rules()["product_search_index"].tolerances
    decision = decide(evaluation, champion, [], tolerances)
    assert not decision.promote
    assert "worse than the champion: ndcg_at_10/clicks 0.8770 < champion's 0.9770" in (
        decision.reason
    )
    same = decide(evaluation, ours, [], tolerances)
    assert same.promote and "ndcg_at_10/labels 1.0000 (champion 1.0000)" in same.reason
    table = metrics_table(evaluation, champion, "search-champion")
    assert "| ndcg_at_10 | clicks | 0.8770 | 0.9770 |" in table
    assert "champion search-champion" in table.splitlines()[0]


def test_a_champion_without_recorded_search_metrics_is_named_not_compared():
    evaluation = evaluate_search(_index(), PRODUCTS, FEEDBACK)
    decision = decide(evaluation, {}, [], {metric_key("ndcg_at_10", "labels"): 0.02})
    assert decision.promote and "champion has no recorded ndcg_at_10/labels" in decision.reason
