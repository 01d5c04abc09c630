"""Sample-data models for the golden tests: a delivery, a classifier trained on it, a search.

Search is a plain TF-IDF cosine index built here until the project's search index is wired in;
the golden cases and metrics are the same either way (swap `sample_search` for the index's).
"""

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline

from dq_pipelines import layout
from dq_pipelines.cli.sample_data import DeliveryReport, generate_delivery
from dq_pipelines.declared.golden_cases import known_categories, load_golden_cases
from dq_pipelines.declared.golden_schema import GoldenCase
from dq_pipelines.declared.project import load_project
from dq_pipelines.ml.classifier import text_features, train_classifier
from dq_pipelines.ml.golden import Search, SearchHit

N_PRODUCTS = 3000
MAX_FEATURES, ALPHA = 50_000, 1e-5  # the training asset's defaults (defs/train/assets.py)


@pytest.fixture(scope="session")
def sample_delivery(tmp_path_factory: pytest.TempPathFactory) -> DeliveryReport:
    landing = tmp_path_factory.mktemp("landing")
    return generate_delivery(landing, date(2026, 11, 1), n_products=N_PRODUCTS)


@pytest.fixture(scope="session")
def products(sample_delivery: DeliveryReport) -> pd.DataFrame:
    """Sample catalog products labelled with their category (no faults: the true label)."""
    catalog = pd.read_csv(sample_delivery.files["catalog"])
    return catalog.assign(label=catalog["category"])


@pytest.fixture(scope="session")
def golden_cases() -> tuple[GoldenCase, ...]:
    return load_golden_cases(layout.GOLDEN_CASES, known_categories(load_project().suites))


@pytest.fixture(scope="session")
def train() -> Callable[[pd.DataFrame], Pipeline]:
    return lambda df: train_classifier(df, MAX_FEATURES, ALPHA)


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


@pytest.fixture(scope="session")
def sample_search(products: pd.DataFrame) -> Search:
    return tfidf_search(products)
