"""Search evaluation: label and click judgements on a hand-made index, the dq_model_metrics rows,
no feedback yet, promotion against the champion's metrics, and the judged pairs the
feedback_judgements SQL model publishes from impressions (the rule the evaluation rests on)."""

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd
import pytest

from dq_pipelines import layout
from dq_pipelines.declared.promotion import promotion_rules
from dq_pipelines.ml.feedback_judgements import (
    JUDGED_COLUMNS,
    intended_categories,
    read_judgements,
    weak_label_examples,
)
from dq_pipelines.ml.search_evaluation import (
    METRICS,
    SOURCES,
    decide,
    evaluate_search,
    evaluation_metadata,
    metric_key,
    metrics_table,
)
from dq_pipelines.ml.search_index import SearchIndex
from dq_pipelines.stats.ranking import judgements_from_feedback

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
# What feedback_judgements.sql publishes from FEEDBACK (test_the_sql_model_publishes_...).
JUDGED = pd.DataFrame(
    [("chair", "P2", 1, "chairs"), ("lamp", "P3", 2, "lamps"), ("sofa", "P4", 1, None)],
    columns=JUDGED_COLUMNS,
)


def test_label_and_click_judgements_on_a_known_ranking():
    evaluation = evaluate_search(_index(), PRODUCTS, JUDGED)
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
        "weak_label_pairs": 2,  # chair-P2 and lamp-P3; sofa-P4 has no category to teach
    }


def test_the_metric_rows_name_metric_and_judgement_source():
    rows = evaluate_search(_index(), PRODUCTS, JUDGED).rows()
    by_key = {(m, s): v for m, s, v in rows}
    assert {(m, s) for m in METRICS for s in SOURCES} <= set(by_key)
    assert by_key[("mrr", "clicks")] == pytest.approx(2.5 / 3)
    assert by_key[("judged_queries", "labels")] == 2.0
    assert by_key[("weak_label_pairs", "clicks")] == 2.0
    assert all(isinstance(v, float) for v in by_key.values())


def test_no_feedback_yet_is_reported_not_an_error_and_not_compared():
    empty = pd.DataFrame(columns=JUDGED_COLUMNS)
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


def test_bad_judgements_are_refused_and_a_blank_search_ignored():
    with pytest.raises(ValueError, match=r"judged pairs lack column\(s\) \['gain'\]"):
        evaluate_search(_index(), PRODUCTS, JUDGED.drop(columns="gain"))
    with pytest.raises(ValueError, match="label judgements need one"):
        evaluate_search(_index(), PRODUCTS.drop(columns="label"), JUDGED)
    blank = pd.concat([JUDGED, pd.DataFrame([("  ", "P1", 1, "chairs")], columns=JUDGED_COLUMNS)])
    assert evaluate_search(_index(), PRODUCTS, blank).volume["feedback_queries"] == 3


def _published_judgements(feedback: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    """A warehouse where feedback_judgements.sql ran on `feedback` and PRODUCTS' labels."""
    conn = duckdb.connect()
    conn.register("f", feedback.assign(event_at=pd.Timestamp("2026-11-30")))
    conn.register("p", PRODUCTS)
    conn.execute("create table stg_feedback as select * from f")
    conn.execute("create table training_set as select * from p")
    sql = (layout.SQL_DIR / "marts" / "feedback_judgements.sql").read_text()
    conn.execute(f"create table feedback_judgements as {sql}")
    return conn


def test_the_sql_model_publishes_the_judged_pairs_the_feedback_check_counts():
    # Each pick once however often it was shown; the unclicked chair-P1 impression and the
    # thumbed-down chair-P3 pair judge nothing.
    published = read_judgements(_published_judgements(pd.concat([FEEDBACK, FEEDBACK])))
    published = published.sort_values(["query", "product_id"], ignore_index=True)
    pd.testing.assert_frame_equal(published, JUDGED, check_dtype=False)
    # The same pairs and gains as the feedback__profile check counts with its Python rule.
    assert judgements_from_feedback(FEEDBACK).judgements == {
        q: dict(zip(g.product_id, g.gain.astype(float), strict=True))
        for q, g in published.groupby("query")
    }


def test_read_judgements_before_any_is_published_is_empty():
    assert read_judgements(duckdb.connect()).empty


def test_intended_category_is_the_majority_label_of_the_picks_ties_by_name():
    def pairs(*labels: str | None) -> pd.DataFrame:
        rows = [("q", f"P{i}", 1, label) for i, label in enumerate(labels)]
        return pd.DataFrame(rows, columns=JUDGED_COLUMNS)

    assert intended_categories(pairs("sofas", "beds", "beds")) == {"q": "beds"}
    assert intended_categories(pairs("sofas", "beds")) == {"q": "beds"}  # a tie: by name
    assert intended_categories(pairs(None)) == {}


def test_weak_label_examples_are_the_queries_with_an_intended_category_weighed_as_declared():
    examples = weak_label_examples(JUDGED, 0.5)
    assert examples.to_dict("records") == [
        {"title": "chair", "description": "", "label": "chairs", "weight": 0.5},
        {"title": "lamp", "description": "", "label": "lamps", "weight": 0.5},
    ]  # "sofa": its pick is unlabelled, so it teaches nothing
    assert weak_label_examples(JUDGED.iloc[0:0], 0.5).empty


def test_declared_search_tolerances_name_metrics_the_evaluation_records():
    measured = evaluate_search(_index(), PRODUCTS, JUDGED).metrics()
    tolerances = promotion_rules()["product_search_index"].tolerances
    assert tolerances and set(tolerances) <= set(measured)


def test_a_challenger_worse_than_the_champion_beyond_tolerance_is_kept_out():
    evaluation = evaluate_search(_index(), PRODUCTS, JUDGED)
    ours = evaluation.metrics()
    champion = {**ours, "ndcg_at_10/clicks": ours["ndcg_at_10/clicks"] + 0.1}
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
    evaluation = evaluate_search(_index(), PRODUCTS, JUDGED)
    decision = decide(evaluation, {}, [], {metric_key("ndcg_at_10", "labels"): 0.02})
    assert decision.promote and "champion has no recorded ndcg_at_10/labels" in decision.reason
