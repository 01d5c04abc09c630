"""Search metrics and relevance judgements: hand-computed values, scikit-learn's nDCG, bad input."""

import math

import pandas as pd
import pytest
from sklearn.metrics import ndcg_score

from dq_pipelines.stats.ranking import (
    judgements_from_feedback,
    judgements_from_labels,
    ndcg_at_k,
    ranking_metrics,
    recall_at_k,
    reciprocal_rank,
)

RELEVANT = {"p1", "p3"}
RANKING = ["p2", "p1", "p4", "p3"]


def test_hand_computed_binary_values():
    assert recall_at_k(RELEVANT, RANKING, 2) == 0.5  # p1 of min(2, 2)
    assert recall_at_k(RELEVANT, RANKING, 1) == 0.0
    assert recall_at_k(RELEVANT, RANKING, 4) == 1.0
    assert reciprocal_rank(RELEVANT, RANKING) == 0.5
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    assert ndcg_at_k(RELEVANT, RANKING) == pytest.approx(dcg / (1 + 1 / math.log2(3)))


def test_recall_is_capped_by_k_so_a_perfect_top_k_of_a_large_category_scores_one():
    category = {f"p{i}" for i in range(1000)}
    assert recall_at_k(category, [f"p{i}" for i in range(10)], 10) == 1.0
    assert recall_at_k(category, ["x"] * 5 + [f"p{i}" for i in range(5)], 10) == 0.5
    assert recall_at_k(category, ["p1", "p1", "p1"], 3) == pytest.approx(1 / 3)  # no repeats


def test_a_repeated_product_counts_once_at_its_first_rank():
    assert ndcg_at_k({"p1"}, ["p1", "p1"]) == 1.0
    assert reciprocal_rank({"p2"}, ["p1", "p1", "p2"]) == 0.5
    assert recall_at_k({"p1", "p2"}, ["p1", "p1", "p2"], 2) == 1.0


def test_graded_ndcg_matches_scikit_learn():
    gains = {"p1": 2.0, "p3": 1.0, "p9": 1.0}
    ranking = ["p3", "p5", "p1", "p7"]
    products = ["p1", "p3", "p5", "p7", "p9"]
    true = [[gains.get(p, 0.0) for p in products]]
    # p9 is relevant but not returned: last for scikit-learn, so compare within the 4 returned
    score = [[len(ranking) - ranking.index(p) if p in ranking else -1 for p in products]]
    assert ndcg_at_k(gains, ranking, 4) == pytest.approx(ndcg_score(true, score, k=4))
    assert ndcg_at_k(gains, ranking, 2) == pytest.approx(ndcg_score(true, score, k=2))
    assert ndcg_at_k({"p1": 0.0}, ranking) == 0.0 and ndcg_at_k(set(), ranking) == 0.0


def test_metrics_average_over_judged_queries_and_count_the_unjudged():
    judgements = {"chair": RELEVANT, "lamp": {"l1": 1.0}, "nothing": {"x": 0.0}}
    rankings = {"chair": RANKING, "unknown": ["p1"]}  # lamp returned nothing: scores 0
    m = ranking_metrics(judgements, rankings, k=2)
    assert (m.k, m.queries, m.unjudged) == (2, 2, 1)
    assert m.recall_at_k == pytest.approx(0.5 / 2)
    assert m.mrr == pytest.approx(0.5 / 2)
    assert m.ndcg_at_10 == pytest.approx(ndcg_at_k(RELEVANT, RANKING) / 2)


def test_nothing_judged_or_a_bad_k_is_refused():
    with pytest.raises(ValueError, match="no query has a relevant product"):
        ranking_metrics({"q": set()}, {"q": ["p1"]})
    with pytest.raises(ValueError, match="k must be at least 1"):
        ranking_metrics({"q": {"p1"}}, {"q": ["p1"]}, k=0)


def test_judgements_from_labels_share_one_set_per_category():
    products = {"p1": "chairs", "p2": "lamps", "p3": "chairs"}
    queries = {"office chair": "chairs", "chair": "chairs", "rug": "rugs"}
    j = judgements_from_labels(queries, products)
    assert j["chair"] == {"p1", "p3"} and j["chair"] is j["office chair"]
    assert j["rug"] == frozenset()


def test_judgements_from_feedback_grade_clicks_and_thumbs_up_and_drop_thumbs_down():
    feedback = pd.DataFrame(
        [
            ("q1", "p1", 1, None),  # clicked: gain 1
            ("q1", "p2", 1, "up"),  # thumbs up: gain 2
            ("q1", "p2", 1, ""),
            ("q1", "p3", 0, ""),  # shown, not clicked: no judgement
            ("q1", "p4", 1, ""),
            ("q1", "p4", 0, "down"),  # a thumbs down excludes the pair
            ("q2", "p1", 0, "UP"),
            ("q2", "p5", 1, None),
            ("q2", "p5", 0, None),
        ],
        columns=["query", "product_id", "clicked", "thumbs"],
    )
    f = judgements_from_feedback(feedback)
    assert f.judgements == {"q1": {"p1": 1.0, "p2": 2.0}, "q2": {"p1": 2.0, "p5": 1.0}}
    assert (f.queries, f.pairs, f.clicked_pairs, f.thumbs_up_pairs) == (2, 4, 2, 2)
    assert f.thumbs_down_pairs_excluded == 1


def test_judgements_from_feedback_need_its_columns():
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['thumbs'\]"):
        judgements_from_feedback(pd.DataFrame(columns=["query", "product_id", "clicked"]))
