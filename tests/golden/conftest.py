"""Sample-data models for the golden tests: a delivery, a classifier trained on it, a search.

Search is the project's own index (ml/search_index.py, the default offline backend), as the
`product_search_index` asset builds it.
"""

from collections.abc import Callable
from datetime import date

import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from dq_pipelines import layout
from dq_pipelines.cli.sample_data import DeliveryReport, generate_delivery
from dq_pipelines.declared.golden_cases import known_categories, load_golden_cases
from dq_pipelines.declared.golden_schema import GoldenCase
from dq_pipelines.declared.project import load_project
from dq_pipelines.ml.classifier import train_classifier
from dq_pipelines.ml.golden import Search
from dq_pipelines.ml.search_index import build_index

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


@pytest.fixture(scope="session")
def sample_search(products: pd.DataFrame) -> Search:
    index = build_index(products, "tfidf")
    return lambda query, k: [(h.product_id, h.category, h.score) for h in index.search(query, k)]
