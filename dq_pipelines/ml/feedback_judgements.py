"""The judged (query, product) pairs from search feedback, and what they say: weak labels.

The judged pairs (the `feedback_judgements` SQL model) say which products users clicked or
thumbed up for a query, each with the picked product's label (`weak_label`). A query's intended
category is the most frequent of those labels (ties: the first category by name); a query none
of whose picks is labelled has none. The search evaluation takes it as the category a query
asks for; the classifier learns from it as a weakly labelled example, the query text its input.
"""

import duckdb
import pandas as pd

from dq_pipelines.declared.project import JUDGEMENTS
from dq_pipelines.storage.identifiers import quote_identifier
from dq_pipelines.storage.warehouse import table_exists

JUDGED_COLUMNS = ["query", "product_id", "gain", "weak_label"]


def read_judgements(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The published judged pairs (query, product_id, gain, weak_label); empty when the SQL
    model has not been published yet, or the project has none."""
    if not table_exists(conn, JUDGEMENTS):
        return pd.DataFrame(columns=JUDGED_COLUMNS)
    return conn.execute(
        f"select query, product_id, gain, weak_label from {quote_identifier(JUDGEMENTS)} "
        "where nullif(trim(query), '') is not null and product_id is not null"
    ).df()


def intended_categories(judged: pd.DataFrame) -> dict[str, str]:
    """query -> its intended category, from judged pairs (query, gain, weak_label)."""
    missing = {"query", "gain", "weak_label"} - set(judged.columns)
    if missing:
        raise ValueError(f"judged pairs lack column(s) {sorted(missing)}")
    known = judged[judged["weak_label"].notna() & (judged["gain"].astype(float) > 0)]
    votes = (
        known.assign(query=known["query"].astype(str), weak_label=known["weak_label"].astype(str))
        .groupby(["query", "weak_label"])
        .size()
        .reset_index(name="votes")
        .sort_values(["query", "votes", "weak_label"], ascending=[True, False, True])
        .drop_duplicates("query")
    )
    return dict(zip(votes["query"], votes["weak_label"], strict=True))


def weak_label_examples(judged: pd.DataFrame, weight: float) -> pd.DataFrame:
    """One training row per query with an intended category: the query text as the title, no
    description, the category as the label, and `weight` (a human label weighs 1)."""
    categories = intended_categories(judged)
    return pd.DataFrame(
        {
            "title": list(categories),
            "description": "",
            "label": list(categories.values()),
            "weight": float(weight),
        }
    )
