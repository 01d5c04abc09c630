"""Rows of each source as small integer codes, chunk by chunk, and the SQL that renders them.

numpy draws every random choice as codes; DuckDB turns the codes into strings (sample_data.py
writes the CSV), which is several times faster than building Python strings. Everything but the
products depends on the seed and the delivery date.
"""

import zlib
from collections.abc import Iterator

import numpy as np
import pandas as pd

from dq_pipelines.cli.sample_vocabulary import (
    BRANDS,
    CATEGORIES,
    CATEGORY_WEIGHTS,
    PRICE_RANGE,
    QUERIES,
    UNKNOWN_CATEGORIES,
    WORDS,
)

ANNOTATORS = 5
LABELS_PER_PRODUCT = 3
LABEL_NOISE = 0.03  # share of individual labels that naturally disagree with the true category
RESULTS_PER_QUERY = 10
CHUNK_ROWS = 500_000

# Each source's CSV columns, rendered from a chunk of codes ($name: sample_vocabulary.LISTS).
CATALOG_SQL = """
select printf('P%07d', pid + 1) as product_id,
    if(title_null, null, $adjectives[adjectives] || ' ' || $materials[materials] || ' '
        || $nouns[nouns] || $extras[extras]) as title,
    $brands[brand] || ' ' || lower($nouns[nouns]) || ' in ' || lower($materials[materials]) || ' '
        || $phrases[phrases] || '.' as description,
    $brands[brand] as brand, $categories[cat] as category,
    printf('%.2f', cents / 100) as price, 'EUR' as currency,
    {updated_at} as updated_at
from chunk"""
DMY_DATE = "strftime($day - days_ago, '%d/%m/%Y')"
EPOCH_DATE = "epoch($day - days_ago)::bigint"
LABELS_SQL = """
select printf('P%07d', pid + 1) as item_id, printf('ann_%02d', annotator) as annotator_id,
    $categories[label] as label,
    strftime($day::timestamp - to_seconds(secs_before), '%Y-%m-%dT%H:%M:%S') as labeled_at
from chunk"""
FEEDBACK_SQL = """
select $queries[query] as query, printf('P%07d', pid + 1) as product_id, rank, clicked,
    [null, 'up', 'down'][thumbs] as thumbs,
    strftime($day::timestamp + to_seconds(secs), '%Y-%m-%dT%H:%M:%S') as event_at
from chunk"""


def rng_for(seed: int, stream: str, *keys: int) -> np.random.Generator:
    """An independent random stream per (seed, purpose, keys), e.g. one per delivery chunk."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode()), *keys])


def _in(sorted_idx: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Positions within the chunk [lo, hi) of globally chosen row indices."""
    return sorted_idx[np.searchsorted(sorted_idx, lo) : np.searchsorted(sorted_idx, hi)] - lo


def _spans(total: int, step: int) -> Iterator[tuple[int, int]]:
    return ((lo, min(lo + step, total)) for lo in range(0, total, step))


def catalog_chunks(
    n: int, cats: np.ndarray, seed: int, day: int, bad: dict[str, np.ndarray]
) -> Iterator[pd.DataFrame]:
    for lo, hi in _spans(n, CHUNK_ROWS):
        c, rng = cats[lo:hi], rng_for(seed, "products", lo)
        chunk = pd.DataFrame({name: table.pick(rng, c) for name, table in WORDS.items()})
        low, high = PRICE_RANGE[c, 0], PRICE_RANGE[c, 1]
        euros = np.exp(low + rng.random(hi - lo) * (high - low)).astype(np.int64)
        chunk["cents"] = euros * 100 + rng.choice([0, 50, 90, 95, 99], hi - lo)
        chunk["brand"] = rng.integers(1, len(BRANDS) + 1, hi - lo)
        chunk["pid"], chunk["cat"] = np.arange(lo, hi), c.astype(np.int64) + 1
        rng = rng_for(seed, "catalog", day, lo)
        chunk["days_ago"] = rng.integers(0, 730, hi - lo, dtype=np.int32)
        chunk["title_null"] = False
        chunk.loc[_in(bad["null_titles"], lo, hi), "title_null"] = True
        rows = _in(bad["bad_prices"], lo, hi)
        negative = -rng.integers(1, 50_000, len(rows))
        chunk.loc[rows, "cents"] = np.where(
            rng.random(len(rows)) < 0.5, negative, rng.integers(10_000_001, 100_000_000, len(rows))
        )
        rows = _in(bad["unknown_categories"], lo, hi)
        unknown = rng.integers(1, len(UNKNOWN_CATEGORIES) + 1, len(rows))
        chunk.loc[rows, "cat"] = len(CATEGORIES) + unknown
        rows = _in(bad["duplicate_ids"], lo, hi)
        repeats = np.ones(hi - lo, dtype=np.int64)
        repeats[rows] = 2
        chunk = chunk.loc[np.repeat(chunk.index, repeats)].reset_index(drop=True)
        second = np.flatnonzero(chunk["pid"].diff().to_numpy() == 0)  # copies follow originals
        bump = 1 + rng.uniform(0.01, 0.10, len(second))
        chunk.loc[second, "cents"] = np.rint(chunk.loc[second, "cents"] * bump).astype(np.int64)
        yield chunk


def label_chunks(
    n: int, cats: np.ndarray, seed: int, day: int, flipped: np.ndarray
) -> Iterator[pd.DataFrame]:
    k, per = LABELS_PER_PRODUCT, CHUNK_ROWS // LABELS_PER_PRODUCT
    for lo, hi in _spans(n, per):
        m, c, rng = hi - lo, cats[lo:hi], rng_for(seed, "labels", day, lo)
        annotators = 1 + np.sort(rng.random((m, ANNOTATORS)).argsort(axis=1)[:, :k], axis=1)
        labels = np.repeat(c[:, None], k, axis=1)
        # Natural disagreement: at most one annotator per product, so the majority stays right.
        noisy = np.flatnonzero(rng.random(m) < LABEL_NOISE * k)
        wrong = (c[noisy] + rng.integers(1, len(CATEGORIES), len(noisy))) % len(CATEGORIES)
        labels[noisy, rng.integers(0, k, len(noisy))] = wrong
        # Flipped products: all but one annotator agree on the same wrong category.
        rows = _in(flipped, lo, hi)
        wrong = (c[rows] + rng.integers(1, len(CATEGORIES), len(rows))) % len(CATEGORIES)
        labels[rows] = wrong[:, None]
        labels[rows, rng.integers(0, k, len(rows))] = c[rows]
        yield pd.DataFrame({
            "pid": np.repeat(np.arange(lo, hi), k),
            "annotator": annotators.ravel(),
            "label": labels.ravel() + 1,
            "secs_before": rng.integers(600, 14 * 86_400, m * k),
        })  # fmt: skip


def feedback_chunks(
    n: int, cats: np.ndarray, seed: int, day: int, n_queries: int
) -> Iterator[pd.DataFrame]:
    by_cat = np.argsort(cats, kind="stable")
    count = np.bincount(cats, minlength=len(CATEGORIES))
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    ranks = np.arange(1, RESULTS_PER_QUERY + 1)
    for lo, hi in _spans(n_queries, CHUNK_ROWS // RESULTS_PER_QUERY):
        g, rng = hi - lo, rng_for(seed, "feedback", day, lo)
        shape = (g, RESULTS_PER_QUERY)
        qcat = rng.choice(len(CATEGORIES), g, p=CATEGORY_WEIGHTS)
        query = QUERIES.pick(rng, qcat)
        same = by_cat[np.minimum(start[qcat, None] + rng.random(shape) * count[qcat, None], n - 1)
                      .astype(np.int64)]  # fmt: skip
        pid = np.where((rng.random(shape) < 0.8) & (count[qcat, None] > 0),
                       same, rng.integers(0, n, shape))  # fmt: skip
        match = cats[pid] == qcat[:, None]
        clicked = rng.random(shape) < 0.45 / ranks**0.8 * np.where(match, 1.0, 0.3)
        u = rng.random(shape)
        up = clicked & (u < np.where(match, 0.25, 0.05))
        down = ~up & (u > np.where(match, 0.99, 0.9))
        yield pd.DataFrame({
            "query": np.repeat(query, RESULTS_PER_QUERY), "pid": pid.ravel(),
            "rank": np.tile(ranks, g), "clicked": clicked.ravel().astype(np.int8),
            "thumbs": (1 + up + 2 * down).ravel(),
            "secs": np.repeat(rng.integers(0, 86_400, g), RESULTS_PER_QUERY),
        })  # fmt: skip
