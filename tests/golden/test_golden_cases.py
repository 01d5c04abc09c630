"""The golden cases against models trained on the bundled sample data (`pytest -m golden`).

A code change that breaks an obvious case (the classifier, the features, the sample data) fails
here. Search runs against a plain TF-IDF cosine index built below until the project's search
index is wired in; the cases are the same either way.
"""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from dq_pipelines import layout
from dq_pipelines.cli.sample_data import generate_delivery
from dq_pipelines.declared.golden_cases import known_categories, load_golden_cases
from dq_pipelines.declared.golden_schema import ClassifierCase, GoldenCase
from dq_pipelines.declared.project import load_project
from dq_pipelines.ml.classifier import text_features, train_classifier
from dq_pipelines.ml.golden import Search, SearchHit, run_golden_cases

pytestmark = pytest.mark.golden
N_PRODUCTS = 3000
MAX_FEATURES, ALPHA = 50_000, 1e-5  # the training asset's defaults (defs/train/assets.py)


@pytest.fixture(scope="module")
def products(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """Sample catalog products labelled with their category (no faults: the true label)."""
    landing = tmp_path_factory.mktemp("landing")
    report = generate_delivery(landing, date(2026, 11, 1), n_products=N_PRODUCTS)
    catalog = pd.read_csv(report.files["catalog"])
    return catalog.assign(label=catalog["category"])


@pytest.fixture(scope="module")
def cases() -> tuple[GoldenCase, ...]:
    return load_golden_cases(layout.GOLDEN_CASES, known_categories(load_project().suites))


def tfidf_search(products: pd.DataFrame) -> Search:
    """Cosine similarity of TF-IDF vectors of product text and query, best first."""
    vectorizer = TfidfVectorizer(sublinear_tf=True)
    matrix = vectorizer.fit_transform(text_features(products))
    ids, categories = products["product_id"].to_numpy(), products["category"].to_numpy()

    def search(query: str, k: int) -> list[SearchHit]:
        scores = (matrix @ vectorizer.transform([query]).T).toarray().ravel()
        top = np.argsort(-scores, kind="stable")[:k]
        return [(str(ids[i]), str(categories[i]), float(scores[i])) for i in top]

    return search


def test_every_golden_case_passes_on_the_sample_data_model(products, cases):
    model = train_classifier(products, MAX_FEATURES, ALPHA)
    results = run_golden_cases(cases, model.predict, tfidf_search(products))
    assert len(results) == len(cases)
    failed = [r.message for r in results if not r.passed]
    assert not failed, "\n".join(failed)


def test_a_model_trained_on_shuffled_labels_fails_the_classifier_cases(products, cases):
    shuffled = products.assign(label=np.random.default_rng(0).permutation(products["label"]))
    model = train_classifier(shuffled, MAX_FEATURES, ALPHA)
    classifier_cases = [c for c in cases if isinstance(c, ClassifierCase)]
    results = run_golden_cases(classifier_cases, model.predict, None)
    failed = [r for r in results if not r.passed]
    assert len(failed) >= len(results) / 2, [r.message for r in results]
    assert all("was classified as" in r.message and "expected" in r.message for r in failed)
