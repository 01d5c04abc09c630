"""The sample catalogue's products as a DataFrame, without writing a delivery: what the search
index is built from in tests and benchmarks (the same products `generate` delivers, fault-free),
and the sample queries with the category each one is looking for."""

from datetime import date

import duckdb
import pandas as pd

from dq_pipelines.cli.sample_faults import Faults, choose_faulty_rows
from dq_pipelines.cli.sample_rows import CATALOG_SQL, DMY_DATE, catalog_chunks, rng_for
from dq_pipelines.cli.sample_vocabulary import CATEGORIES, CATEGORY_WEIGHTS, KINDS, LISTS

COLUMNS = ("product_id", "title", "description", "category")


def sample_products(n: int, seed: int = 7, day: date = date(2026, 1, 1)) -> pd.DataFrame:
    """`n` products (product_id, title, description, category) of the sample catalogue."""
    if n < 1:
        raise ValueError("n must be at least 1")
    cats = rng_for(seed, "categories").choice(len(CATEGORIES), n, p=CATEGORY_WEIGHTS)
    ordinal = day.toordinal()
    no_faults = choose_faulty_rows(n, Faults(), rng_for(seed, "catalog-faults", ordinal))
    sql = CATALOG_SQL.format(updated_at=DMY_DATE, contact="")
    params = {"day": day, **{k: v for k, v in LISTS.items() if f"${k}" in sql}}
    parts = []
    with duckdb.connect() as con:
        for chunk in catalog_chunks(n, cats.astype("int8"), seed, ordinal, no_faults):
            con.register("chunk", chunk)
            parts.append(con.execute(f"select {', '.join(COLUMNS)} from ({sql})", params).df())
            con.unregister("chunk")
    return pd.concat(parts, ignore_index=True)


def sample_queries() -> pd.DataFrame:
    """Every sample search query (query, category): what a shopper types for each category."""
    return pd.DataFrame(
        [(q, c) for c in CATEGORIES for q in KINDS[c].queries], columns=["query", "category"]
    )
