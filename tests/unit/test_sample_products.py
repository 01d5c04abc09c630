"""sample_products gives the same products a generated delivery's catalog holds."""

from datetime import date

import pandas as pd
import pytest

from dq_pipelines.cli.sample_data import generate_delivery
from dq_pipelines.cli.sample_products import COLUMNS, sample_products, sample_queries
from dq_pipelines.cli.sample_vocabulary import CATEGORIES


def test_sample_products_are_the_delivered_catalog(tmp_path) -> None:
    day = date(2026, 3, 1)
    report = generate_delivery(tmp_path, day, n_products=300, seed=11)
    delivered = pd.read_csv(report.files["catalog"], dtype=str)[list(COLUMNS)]
    made = sample_products(300, seed=11, day=day)
    assert list(made.columns) == list(COLUMNS)
    pd.testing.assert_frame_equal(made.astype(str), delivered.astype(str))


def test_sample_queries_name_known_categories() -> None:
    queries = sample_queries()
    assert queries["category"].value_counts().to_dict() == dict.fromkeys(CATEGORIES, 5)
    assert ("office chair", "chairs") in set(queries.itertuples(index=False, name=None))


def test_no_products_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        sample_products(0)
