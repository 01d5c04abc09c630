"""Search evaluation: recall@k, MRR and nDCG@10 against relevance judgements, and the judgements.

A judgement says which products are relevant to a query: a set (each relevant with gain 1) or a
graded mapping product -> gain (> 0 relevant). Judgements come from labels (the products of the
query's intended category) or from click feedback (clicked: gain 1, thumbs up: gain 2, a pair
with a thumbs down excluded). A ranking is the product ids a model returned, best first.

recall@k divides by min(k, number relevant) (the "R-capped" recall), so a perfect top k scores 1
even when a label-derived judgement holds thousands of products. nDCG uses linear gains over
log2(rank + 1), as scikit-learn's `ndcg_score`. A product repeated in a ranking counts once, at
its first rank (so no score exceeds 1).
"""

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass

import numpy as np
import pandas as pd

Judgement = Set[str] | Mapping[str, float]
CLICK_GAIN, THUMBS_UP_GAIN = 1.0, 2.0


def _gain(judgement: Judgement, product: str) -> float:
    if isinstance(judgement, Mapping):
        return float(judgement.get(product, 0.0))
    return 1.0 if product in judgement else 0.0


def _relevant_count(judgement: Judgement) -> int:
    if isinstance(judgement, Mapping):
        return sum(1 for g in judgement.values() if g > 0)
    return len(judgement)


def _first_ranks(ranking: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ranking))


def recall_at_k(judgement: Judgement, ranking: Sequence[str], k: int) -> float:
    """Relevant products in the top k over min(k, relevant products); 0 when none is relevant."""
    relevant = _relevant_count(judgement)
    if relevant == 0:
        return 0.0
    found = sum(1 for p in _first_ranks(ranking)[:k] if _gain(judgement, p) > 0)
    return found / min(k, relevant)


def reciprocal_rank(judgement: Judgement, ranking: Sequence[str]) -> float:
    """1 / the rank of the first relevant product; 0 when none is returned."""
    ranked = enumerate(_first_ranks(ranking), start=1)
    return next((1.0 / r for r, p in ranked if _gain(judgement, p) > 0), 0.0)


def ndcg_at_k(judgement: Judgement, ranking: Sequence[str], k: int = 10) -> float:
    """DCG of the top k over the DCG of the best possible top k (0 when nothing is relevant)."""
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    gains = [_gain(judgement, p) for p in _first_ranks(ranking)[:k]]
    dcg = float(np.dot(gains, discounts[: len(gains)]))
    if isinstance(judgement, Mapping):
        best = sorted((g for g in judgement.values() if g > 0), reverse=True)[:k]
    else:
        best = [1.0] * min(k, len(judgement))
    ideal = float(np.dot(best, discounts[: len(best)]))
    return dcg / ideal if ideal > 0 else 0.0


@dataclass(frozen=True)
class RankingMetrics:
    """Means over the judged queries; a judged query the model returned nothing for scores 0.

    `unjudged` counts rankings of queries with no relevant product (they cannot be scored).
    """

    k: int
    queries: int
    unjudged: int
    recall_at_k: float
    mrr: float
    ndcg_at_10: float


def ranking_metrics(
    judgements: Mapping[str, Judgement], rankings: Mapping[str, Sequence[str]], k: int = 10
) -> RankingMetrics:
    """recall@k, MRR and nDCG@10 of `rankings` (query -> product ids) over the judged queries."""
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    judged = [q for q, j in judgements.items() if _relevant_count(j) > 0]
    if not judged:
        raise ValueError("no query has a relevant product: nothing to evaluate")
    judged_set = set(judged)
    unjudged = sum(1 for q in rankings if q not in judged_set)
    scores = np.array(
        [
            (
                recall_at_k(judgements[q], list(rankings.get(q, ())), k),
                reciprocal_rank(judgements[q], list(rankings.get(q, ()))),
                ndcg_at_k(judgements[q], list(rankings.get(q, ())), 10),
            )
            for q in judged
        ]
    )
    recall, mrr, ndcg = scores.mean(axis=0)
    return RankingMetrics(k, len(judged), unjudged, float(recall), float(mrr), float(ndcg))


def judgements_from_labels(
    query_categories: Mapping[str, str], product_categories: Mapping[str, str]
) -> dict[str, frozenset[str]]:
    """Each query's relevant products: those labelled with the query's intended category.

    Queries of one category share one set, so a million products cost one set per category.
    """
    by_category: dict[str, set[str]] = {}
    for product, category in product_categories.items():
        by_category.setdefault(category, set()).add(product)
    frozen = {c: frozenset(p) for c, p in by_category.items()}
    return {q: frozen.get(c, frozenset()) for q, c in query_categories.items()}


@dataclass(frozen=True)
class FeedbackJudgements:
    """Graded judgements from feedback, and their volume (what the evaluation rests on).

    `clicked_pairs` have gain 1 (clicked, no thumbs up), `thumbs_up_pairs` gain 2; `pairs` is
    their sum, and `thumbs_down_pairs_excluded` the pairs left out for a thumbs down.
    """

    judgements: dict[str, dict[str, float]]
    queries: int
    pairs: int
    clicked_pairs: int
    thumbs_up_pairs: int
    thumbs_down_pairs_excluded: int


def judgements_from_pairs(pairs: pd.DataFrame) -> dict[str, dict[str, float]]:
    """query -> {product: gain} from judged pairs (query, product_id, gain), as the
    `feedback_judgements` SQL model publishes them; a pair of gain 0 or less judges nothing."""
    missing = {"query", "product_id", "gain"} - set(pairs.columns)
    if missing:
        raise ValueError(f"judged pairs lack column(s) {sorted(missing)}")
    kept = pairs[pairs["gain"].fillna(0).astype(float) > 0]
    judgements: dict[str, dict[str, float]] = {}
    for query, product, gain in zip(
        kept["query"].astype(str), kept["product_id"].astype(str), kept["gain"], strict=True
    ):
        judgements.setdefault(query, {})[product] = float(gain)
    return judgements


def judgements_from_feedback(feedback: pd.DataFrame) -> FeedbackJudgements:
    """(query, product) pairs users clicked (gain 1) or gave a thumbs up (gain 2).

    `feedback` has one row per impression: query, product_id, clicked (0/1), thumbs ('up',
    'down' or empty). A pair with any thumbs down is excluded: the user said it is not relevant.
    """
    missing = {"query", "product_id", "clicked", "thumbs"} - set(feedback.columns)
    if missing:
        raise ValueError(f"feedback lacks column(s) {sorted(missing)}")
    thumbs = feedback["thumbs"].fillna("").astype(str).str.lower()
    pairs = (
        pd.DataFrame(
            {
                "query": feedback["query"].astype(str),
                "product_id": feedback["product_id"].astype(str),
                "clicked": feedback["clicked"].fillna(0).astype(int) > 0,
                "up": thumbs == "up",
                "down": thumbs == "down",
            }
        )
        .groupby(["query", "product_id"], sort=True)[["clicked", "up", "down"]]
        .any()
    )
    down = pairs["down"]
    kept = pairs[~down & (pairs["clicked"] | pairs["up"])]
    gain = np.where(kept["up"], THUMBS_UP_GAIN, CLICK_GAIN)
    judgements: dict[str, dict[str, float]] = {}
    for (query, product), g in zip(kept.index, gain, strict=True):
        judgements.setdefault(query, {})[product] = float(g)
    return FeedbackJudgements(
        judgements=judgements,
        queries=len(judgements),
        pairs=len(kept),
        clicked_pairs=int((kept["clicked"] & ~kept["up"]).sum()),
        thumbs_up_pairs=int(kept["up"].sum()),
        thumbs_down_pairs_excluded=int(down.sum()),
    )
