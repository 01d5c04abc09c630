"""The evaluation metrics of the sample-data models: what a healthy model scores, and what the
sample feedback gives as judgements and position bias."""

import pandas as pd
import pytest

from dq_pipelines.cli.sample_vocabulary import CATEGORIES, KINDS
from dq_pipelines.ml.classifier import holdout_mask, text_features
from dq_pipelines.stats.classification_metrics import classification_metrics
from dq_pipelines.stats.feedback import ctr_by_rank
from dq_pipelines.stats.ranking import (
    judgements_from_feedback,
    judgements_from_labels,
    ranking_metrics,
)

pytestmark = pytest.mark.golden
QUERY_CATEGORIES = {query: category for category, kind in KINDS.items() for query in kind.queries}


def test_the_sample_classifier_scores_high_on_its_holdout(products, train):
    holdout = holdout_mask(products["product_id"], 0.2)
    model = train(products[~holdout])
    test = products[holdout]
    m = classification_metrics(
        test["label"].tolist(), model.predict(text_features(test)).tolist(), CATEGORIES
    )
    assert m.accuracy > 0.95 and m.macro_f1 > 0.95
    assert min(m.recall_per_class.values()) > 0.9
    assert sum(map(sum, m.confusion)) == len(test)


def test_the_sample_search_ranks_by_label_and_feedback_judgements(
    products, sample_delivery, sample_search
):
    rankings = {q: [p for p, _, _ in sample_search(q, 10)] for q in QUERY_CATEGORIES}
    by_label = judgements_from_labels(
        QUERY_CATEGORIES, dict(zip(products["product_id"], products["category"], strict=True))
    )
    m = ranking_metrics(by_label, rankings)
    assert m.queries == len(QUERY_CATEGORIES) and m.unjudged == 0
    assert m.recall_at_k > 0.85 and m.mrr > 0.85 and m.ndcg_at_10 > 0.85
    feedback = pd.read_csv(sample_delivery.files["feedback"])
    clicks = judgements_from_feedback(feedback)
    assert clicks.pairs > 0 and clicks.thumbs_up_pairs > 0 and clicks.thumbs_down_pairs_excluded
    assert set(clicks.judgements) <= set(QUERY_CATEGORIES)
    # Clicks judge only the few products shown, so scores are low but defined.
    assert 0 < ranking_metrics(clicks.judgements, rankings).mrr <= 1


def test_the_sample_feedback_shows_position_bias(sample_delivery):
    ctr = ctr_by_rank(pd.read_csv(sample_delivery.files["feedback"]))["ctr"].to_numpy()
    assert ctr[0] > 2 * ctr[-1] and ctr[0] == ctr.max()
