"""Rows of each source as small integer codes, chunk by chunk, and the SQL that renders them.

numpy draws every random choice as codes; DuckDB turns the codes into strings (sample_data.py
writes the CSV), which is several times faster than building Python strings. Everything but the
products depends on the seed and the delivery date.
"""

import zlib
from collections.abc import Iterator

import numpy as np
import pandas as pd

from dq_pipelines.cli.sample_faults import LabelFaults, confusable_codes
from dq_pipelines.cli.sample_vocabulary import (
    BRANDS,
    CATEGORIES,
    CATEGORY_WEIGHTS,
    DRIFT_ADJECTIVES,
    DRIFT_CATEGORY_WEIGHTS,
    DRIFT_PRICE_FACTOR,
    DRIFT_TITLE_SHARE,
    POSTCODE_AREAS,
    POSTCODE_DISTRICTS,
    POSTCODE_UNIT_LETTERS,
    PRICE_RANGE,
    QUERIES,
    ROGUE_ANNOTATOR,
    SELLER_EMAIL,
    SELLER_FIRST_NAMES,
    SELLER_LAST_NAMES,
    SELLER_PHONE,
    UNKNOWN_CATEGORIES,
    WORDS,
)

ANNOTATORS = 5
LABELS_PER_PRODUCT = 3
LABEL_NOISE = 0.03  # share of individual labels that naturally disagree with the true category
RESULTS_PER_QUERY = 10
CHUNK_ROWS = 500_000

# Each source's CSV columns, rendered from a chunk of codes ($name: sample_vocabulary.LISTS).
TITLE_SQL = """$adjectives[adjectives] || ' ' || $materials[materials] || ' '
        || $nouns[nouns] || $extras[extras]"""
DESCRIPTION_SQL = """$brands[brand] || ' ' || lower($nouns[nouns]) || ' in '
        || lower($materials[materials]) || ' ' || $phrases[phrases] || '.'"""
CATALOG_SQL = f"""
select printf('P%07d', pid + 1) as product_id,
    if(title_null, null, {TITLE_SQL}) as title,
    {DESCRIPTION_SQL}{{contact}} as description,
    $brands[brand] as brand, $categories[cat] as category,
    printf('%.2f', cents / 100) as price, 'EUR' as currency,
    $outward_codes[outward] || ' ' || $inward_codes[inward] as ships_from_postcode,
    {{updated_at}} as updated_at
from chunk"""
CONTACT_SQL = " || coalesce(' ' || contact, '')"  # only when the chunk has seller contacts
DMY_DATE = "strftime($day - days_ago, '%d/%m/%Y')"
EPOCH_DATE = "epoch($day - days_ago)::bigint"
LABELS_SQL = f"""
select printf('P%07d', pid + 1) as item_id,
    if(annotator = 0, '{ROGUE_ANNOTATOR}', printf('ann_%02d', annotator)) as annotator_id,
    $categories[label] as label,
    strftime($day::timestamp - to_seconds(secs_before), '%Y-%m-%dT%H:%M:%S') as labeled_at
from chunk"""
FEEDBACK_SQL = """
select $queries[query] as query, printf('P%07d', pid + 1) as product_id, rank, clicked,
    [null, 'up', 'down'][thumbs] as thumbs,
    strftime($day::timestamp + to_seconds(secs), '%Y-%m-%dT%H:%M:%S') as event_at,
    ranker as model_version
from chunk"""
# The ranker version the sample search service logs with each impression: the usual one, and
# the new one a delivery with a CTR drop was served by (a release that broke the ranking).
SAMPLE_RANKERS = ("sample-ranker-1", "sample-ranker-2")
# Request ids carry the date: requests append across deliveries, keyed by request_id.
REQUESTS_SQL = f"""
select printf('R%s-%07d', strftime($day, '%Y%m%d'), rid + 1) as request_id,
    strftime($day::timestamp + to_seconds(secs), '%Y-%m-%dT%H:%M:%S') as requested_at,
    if(short_title, $adjectives[adjectives], {TITLE_SQL}) as title,
    if(no_description, null, {DESCRIPTION_SQL}) as description,
    $brands[brand] as brand, printf('%.2f', cents / 100) as price
from chunk"""


def rng_for(seed: int, stream: str, *keys: int) -> np.random.Generator:
    """An independent random stream per (seed, purpose, keys), e.g. one per delivery chunk."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode()), *keys])


def _in(sorted_idx: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Positions within the chunk [lo, hi) of globally chosen row indices."""
    return sorted_idx[np.searchsorted(sorted_idx, lo) : np.searchsorted(sorted_idx, hi)] - lo


def _spans(total: int, step: int) -> Iterator[tuple[int, int]]:
    return ((lo, min(lo + step, total)) for lo in range(0, total, step))


def product_codes(
    rng: np.random.Generator, cats: np.ndarray, price_factor: float = 1.0
) -> pd.DataFrame:
    """Words, price and brand of products of categories `cats` (catalog rows, requests)."""
    m = len(cats)
    chunk = pd.DataFrame({name: table.pick(rng, cats) for name, table in WORDS.items()})
    low, high = PRICE_RANGE[cats, 0], PRICE_RANGE[cats, 1]
    euros = (np.exp(low + rng.random(m) * (high - low)) * price_factor).astype(np.int64)
    chunk["cents"] = euros * 100 + rng.choice([0, 50, 90, 95, 99], m)
    chunk["brand"] = rng.integers(1, len(BRANDS) + 1, m)
    return chunk


def drift_weights(strength: float) -> np.ndarray | tuple[float, ...]:
    """The category mix of a delivery drifted by `strength` (exactly the usual one at 0)."""
    if not strength:
        return CATEGORY_WEIGHTS
    usual, drifted = np.array(CATEGORY_WEIGHTS), np.array(DRIFT_CATEGORY_WEIGHTS)
    return (1 - strength) * usual + strength * drifted


def _drift_titles(chunk: pd.DataFrame, strength: float, rng: np.random.Generator) -> None:
    """Open strength * DRIFT_TITLE_SHARE of the titles with a new word (drawn per row)."""
    rows = np.flatnonzero(rng.random(len(chunk)) < strength * DRIFT_TITLE_SHARE)
    first_new = len(WORDS["adjectives"].values) + 1
    chunk.loc[rows, "adjectives"] = first_new + rng.integers(0, len(DRIFT_ADJECTIVES), len(rows))


def _postcodes(m: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Codes of UK-style postcodes, e.g. LS6 3QT: the outward code (area and district, LS6) and
    the inward code (sector and unit, 3QT), uniform over the LISTS that render them."""
    outward = len(POSTCODE_AREAS) * POSTCODE_DISTRICTS
    inward = 10 * len(POSTCODE_UNIT_LETTERS) ** 2
    return {"outward": rng.integers(1, outward + 1, m), "inward": rng.integers(1, inward + 1, m)}


def _contacts(m: int, rng: np.random.Generator) -> list[str]:
    """Sentences leaking a seller's e-mail address (half) or phone number (the other half)."""
    first = rng.integers(0, len(SELLER_FIRST_NAMES), m)
    last = rng.integers(0, len(SELLER_LAST_NAMES), m)
    number, email = rng.integers(0, 1000, m), rng.random(m) < 0.5
    drawn = zip(first.tolist(), last.tolist(), number.tolist(), email.tolist(), strict=True)
    return [
        SELLER_EMAIL.format(first=SELLER_FIRST_NAMES[f], last=SELLER_LAST_NAMES[la], number=k)
        if e
        else SELLER_PHONE.format(number=k)
        for f, la, k, e in drawn
    ]


def catalog_chunks(
    n: int, cats: np.ndarray, seed: int, day: int, bad: dict[str, np.ndarray], drift: float = 0.0
) -> Iterator[pd.DataFrame]:
    for lo, hi in _spans(n, CHUNK_ROWS):
        c = cats[lo:hi]
        chunk = product_codes(rng_for(seed, "products", lo), c, DRIFT_PRICE_FACTOR**drift)
        if drift:
            _drift_titles(chunk, drift, rng_for(seed, "drift", lo))
        chunk["pid"], chunk["cat"] = np.arange(lo, hi), c.astype(np.int64) + 1
        for name, codes in _postcodes(hi - lo, rng_for(seed, "postcodes", lo)).items():
            chunk[name] = codes
        if len(bad["pii_in_descriptions"]):
            rows = _in(bad["pii_in_descriptions"], lo, hi)
            chunk["contact"] = None
            chunk.loc[rows, "contact"] = _contacts(len(rows), rng_for(seed, "pii", day, lo))
        rng = rng_for(seed, "catalog", day, lo)
        chunk["days_ago"] = rng.integers(0, 730, hi - lo, dtype=np.int32)
        yield _with_row_faults(chunk, bad, lo, hi, rng)


def _with_row_faults(
    chunk: pd.DataFrame, bad: dict[str, np.ndarray], lo: int, hi: int, rng: np.random.Generator
) -> pd.DataFrame:
    """The chunk with null titles, bad prices, unknown categories and duplicated rows."""
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
    return chunk


def label_chunks(
    n: int, cats: np.ndarray, seed: int, day: int, faults: LabelFaults
) -> Iterator[pd.DataFrame]:
    k, per = LABELS_PER_PRODUCT, CHUNK_ROWS // LABELS_PER_PRODUCT
    confused = confusable_codes()
    for lo, hi in _spans(n, per):
        m, c, rng = hi - lo, cats[lo:hi], rng_for(seed, "labels", day, lo)
        annotators = 1 + np.sort(rng.random((m, ANNOTATORS)).argsort(axis=1)[:, :k], axis=1)
        labels = np.repeat(c[:, None], k, axis=1)
        # Natural disagreement: at most one annotator per product, so the majority stays right.
        noisy = np.flatnonzero(rng.random(m) < LABEL_NOISE * k)
        wrong = (c[noisy] + rng.integers(1, len(CATEGORIES), len(noisy))) % len(CATEGORIES)
        labels[noisy, rng.integers(0, k, len(noisy))] = wrong
        # Flipped products: all but one annotator agree on the same wrong category.
        rows = _in(faults.flipped, lo, hi)
        wrong = (c[rows] + rng.integers(1, len(CATEGORIES), len(rows))) % len(CATEGORIES)
        labels[rows] = wrong[:, None]
        labels[rows, rng.integers(0, k, len(rows))] = c[rows]
        # The newer label faults draw from their own stream: the rows above stay as they were.
        extra = rng_for(seed, "label-faults", day, lo)
        rows = _in(faults.class_flipped, lo, hi)
        labels[rows] = confused[c[rows]][:, None]
        labels[rows, extra.integers(0, k, len(rows))] = c[rows]
        rows = _in(faults.rogue, lo, hi)
        labels[rows] = c[rows][:, None]
        slot = extra.integers(0, k, len(rows))
        labels[rows, slot] = extra.integers(0, len(CATEGORIES), len(rows))
        annotators[rows, slot] = 0  # LABELS_SQL renders 0 as ROGUE_ANNOTATOR
        chunk = pd.DataFrame({
            "pid": np.repeat(np.arange(lo, hi), k),
            "annotator": annotators.ravel(),
            "label": labels.ravel() + 1,
            "secs_before": rng.integers(600, 14 * 86_400, m * k),
        })  # fmt: skip
        if len(faults.missing):
            chunk = chunk[~np.isin(chunk["pid"].to_numpy(), faults.missing)]
        yield chunk


def request_chunks(
    n_requests: int, seed: int, day: int, drift: float, short: np.ndarray, bare: np.ndarray
) -> Iterator[pd.DataFrame]:
    """Inference requests: products as the catalog's, categories hidden (the model's task).

    `short` and `bare`: sorted request indices whose title is cut to one word / whose
    description is empty.
    """
    weights = drift_weights(drift)
    for lo, hi in _spans(n_requests, CHUNK_ROWS):
        rng = rng_for(seed, "requests", day, lo)
        c = rng.choice(len(CATEGORIES), hi - lo, p=weights)
        chunk = product_codes(rng, c, DRIFT_PRICE_FACTOR**drift)
        if drift:
            _drift_titles(chunk, drift, rng_for(seed, "drift-requests", day, lo))
        chunk["rid"], chunk["secs"] = np.arange(lo, hi), rng.integers(0, 86_400, hi - lo)
        chunk["short_title"], chunk["no_description"] = False, False
        chunk.loc[_in(short, lo, hi), "short_title"] = True
        chunk.loc[_in(bare, lo, hi), "no_description"] = True
        yield chunk


def feedback_chunks(
    n: int, cats: np.ndarray, seed: int, day: int, n_queries: int, ctr_drop: float = 0.0
) -> Iterator[pd.DataFrame]:
    """Ten results per query, mostly of the query's category; clicks fall with the rank and
    are rarer off-category, lowered by `ctr_drop` (0 leaves every draw as it was; a drop is
    served by the second sample ranker)."""
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
        clicked = rng.random(shape) < 0.45 * (1 - ctr_drop) / ranks**0.8 * np.where(match, 1.0, 0.3)
        u = rng.random(shape)
        up = clicked & (u < np.where(match, 0.25, 0.05))
        down = ~up & (u > np.where(match, 0.99, 0.9))
        yield pd.DataFrame({
            "query": np.repeat(query, RESULTS_PER_QUERY), "pid": pid.ravel(),
            "rank": np.tile(ranks, g), "clicked": clicked.ravel().astype(np.int8),
            "thumbs": (1 + up + 2 * down).ravel(),
            "secs": np.repeat(rng.integers(0, 86_400, g), RESULTS_PER_QUERY),
            "ranker": SAMPLE_RANKERS[ctr_drop > 0],
        })  # fmt: skip
