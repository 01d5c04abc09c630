"""Deterministic sample deliveries (catalog, labels, feedback) with optional injected faults.

numpy draws every random choice as small integer codes, chunk by chunk; DuckDB turns the codes
into strings and writes the CSV (multi-threaded, in row order), which is several times faster
than building Python strings. Products (category, title, brand, price) depend on the seed only,
so the same product id is the same product in every delivery; everything else depends on the
seed and the delivery date.
"""

from __future__ import annotations

import shutil
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

CATEGORIES: tuple[str, ...] = (
    "chairs", "desks", "lamps", "sofas", "beds", "tables", "shelves", "rugs",
)  # fmt: skip
SOURCES: tuple[str, ...] = ("catalog", "labels", "feedback")
UNKNOWN_CATEGORIES = ("gadgets", "misc", "garden", "toys")
ANNOTATORS = 5
LABELS_PER_PRODUCT = 3
LABEL_NOISE = 0.03  # share of individual labels that naturally disagree with the true category
RESULTS_PER_QUERY = 10
CHUNK_ROWS = 500_000

BRANDS = ("Nordhem", "Casaluna", "Woodline", "Lumo", "Stilvoll", "Oakridge", "Vanta", "Hyggelig")
CATEGORY_WEIGHTS = (0.16, 0.12, 0.14, 0.10, 0.10, 0.14, 0.12, 0.12)
SHARED_ADJECTIVES = ("Modern", "Classic", "Compact", "Scandinavian", "Industrial", "Rustic")
SHARED_PHRASES = ("that suits any modern home", "made from responsibly sourced wood")


@dataclass(frozen=True)
class _Kind:
    """Vocabulary of one category.

    Shared words ("Modern", "wood", ...) and a few nouns listed under two categories ("Bench",
    "Sofa Bed", ...) keep a title classifier accurate (~99%) without being trivially perfect.
    """

    adjectives: tuple[str, ...]
    materials: tuple[str, ...]
    nouns: tuple[str, ...]
    extras: tuple[str, ...]  # optional descriptor appended to the title
    phrases: tuple[str, ...]  # category-specific end of the description sentence
    queries: tuple[str, ...]
    price_eur: tuple[float, float]


KINDS: dict[str, _Kind] = {
    "chairs": _Kind(("Ergonomic", "Swivel"), ("Mesh", "Leather", "Velvet", "Oak", "Rattan"),
        ("Office Chair", "Dining Chair", "Armchair", "Bar Stool", "Bench"),
        (" with Armrests", " Set of 2", " Stackable"),
        ("with lumbar support for long working days", "with a padded seat and sturdy legs"),
        ("office chair", "ergonomic chair", "dining chairs", "armchair", "bar stool"),
        (40, 900)),
    "desks": _Kind(("Ergonomic", "Height-Adjustable"), ("Walnut", "Oak", "Steel", "Bamboo"),
        ("Standing Desk", "Writing Desk", "Corner Desk", "Computer Desk", "Console Table"),
        (" 120cm", " 140cm", " 160cm", " with Drawers"),
        ("with room for two monitors and a keyboard", "with cable management for a home office"),
        ("standing desk", "writing desk", "corner desk", "computer desk", "oak desk"),
        (120, 2500)),
    "lamps": _Kind(("Dimmable", "Adjustable"), ("Brass", "Glass", "Linen", "Metal", "Oak"),
        ("Floor Lamp", "Desk Lamp", "Bedside Lamp", "Pendant Light", "Table Lamp"),
        (" with LED Bulb", " E27", " with USB Port"),
        ("with a warm white LED bulb and a fabric shade", "that gives soft light for reading"),
        ("floor lamp", "desk lamp", "bedside lamp", "pendant light", "reading lamp"),
        (15, 600)),
    "sofas": _Kind(("Cosy", "Modular"), ("Velvet", "Leather", "Linen", "Boucle"),
        ("Corner Sofa", "3-Seater Sofa", "Loveseat", "Sofa Bed", "Chaise Longue", "Daybed"),
        (" with Cushions", " Left Facing", " Right Facing"),
        ("with deep seat cushions for the living room", "that seats the whole family"),
        ("corner sofa", "leather couch", "3 seater sofa", "sofa bed", "velvet sofa"),
        (300, 5000)),
    "beds": _Kind(("Upholstered", "Storage"), ("Oak", "Pine", "Velvet", "Metal", "Walnut"),
        ("Double Bed", "King Size Bed", "Bunk Bed", "Bed Frame", "Sofa Bed", "Daybed"),
        (" 140x200", " 160x200", " with Slatted Base"),
        ("with a slatted base for a firm mattress", "with a padded headboard for the bedroom"),
        ("double bed frame", "king size bed", "bunk bed", "storage bed", "sofa bed"),
        (200, 4000)),
    "tables": _Kind(("Extendable", "Round"), ("Oak", "Walnut", "Marble", "Glass", "Pine"),
        ("Dining Table", "Coffee Table", "Side Table", "Console Table", "Bench"),
        (" for 6", " 180cm", " Set of 2"),
        ("that seats six for dinner", "with a scratch-resistant tabletop"),
        ("dining table", "coffee table", "side table", "extendable table", "round table"),
        (60, 3000)),
    "shelves": _Kind(("Floating", "Wall-Mounted"), ("Pine", "Oak", "Metal", "Bamboo"),
        ("Bookcase", "Wall Shelf", "Ladder Shelf", "Shelving Unit", "Cube Storage"),
        (" 5 Tier", " 80cm", " with Doors"),
        ("with adjustable shelves for books and plants", "that mounts on the wall with brackets"),
        ("wall shelf", "bookcase", "floating shelves", "storage shelf", "ladder shelf"),
        (20, 800)),
    "rugs": _Kind(("Hand-Woven", "Washable"), ("Wool", "Jute", "Cotton", "Polyester"),
        ("Area Rug", "Runner Rug", "Round Rug", "Shaggy Rug", "Kilim Rug"),
        (" 160x230", " 200x300", " 80x250"),
        ("with a soft low pile for the living room floor", "with a non-slip backing for hallways"),
        ("area rug", "wool rug", "runner rug", "round rug", "washable rug"),
        (25, 1500)),
}  # fmt: skip


class _Table:
    """Per-category word lists flattened into one DuckDB list, picked by category code."""

    def __init__(self, attr: str, shared: tuple[str, ...] = ()) -> None:
        lists = [getattr(KINDS[c], attr) + shared for c in CATEGORIES]
        self.values = [v for values in lists for v in values]
        self.count = np.array([len(values) for values in lists])
        self.start = np.concatenate([[0], np.cumsum(self.count)[:-1]])

    def pick(self, rng: np.random.Generator, cats: np.ndarray) -> np.ndarray:
        """1-based positions in `values` (DuckDB lists are 1-based), one per category code."""
        return 1 + self.start[cats] + (rng.random(len(cats)) * self.count[cats]).astype(np.int64)


WORDS = {
    "adjectives": _Table("adjectives", SHARED_ADJECTIVES),
    "materials": _Table("materials"),
    "nouns": _Table("nouns"),
    "extras": _Table("extras", ("",) * 3),  # half the titles have no descriptor
    "phrases": _Table("phrases", SHARED_PHRASES),
}
QUERIES = _Table("queries")
LISTS = {  # DuckDB list parameters the SQL below indexes into with 1-based codes
    "categories": [*CATEGORIES, *UNKNOWN_CATEGORIES],
    "brands": list(BRANDS),
    "queries": QUERIES.values,
    **{name: table.values for name, table in WORDS.items()},
}
PRICE_RANGE = np.log([KINDS[c].price_eur for c in CATEGORIES])

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


_ROW_FAULTS = ("null_titles", "bad_prices", "duplicate_ids", "unknown_categories")


@dataclass(frozen=True)
class Faults:
    """Data-quality faults to inject; shares are of catalog rows (or products, for labels)."""

    null_titles: float = 0.0
    bad_prices: float = 0.0
    duplicate_ids: float = 0.0
    unknown_categories: float = 0.0
    flipped_labels: float = 0.0
    epoch_dates: bool = False
    late_sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in (*_ROW_FAULTS, "flipped_labels"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"Faults.{name} must be a share between 0 and 1")
        if sum(getattr(self, name) for name in _ROW_FAULTS) > 1:
            raise ValueError("catalog fault shares add up to more than all rows")
        if unknown := set(self.late_sources) - set(SOURCES):
            raise ValueError(f"unknown late_sources {sorted(unknown)}; expected some of {SOURCES}")

    @classmethod
    def demo_faulty(cls) -> Faults:
        """A bad delivery that trips most checks at once (all sources still on time)."""
        return cls(null_titles=0.05, bad_prices=0.03, duplicate_ids=0.02,
                   unknown_categories=0.03, flipped_labels=0.15, epoch_dates=True)  # fmt: skip

    def __str__(self) -> str:
        on = [f"{f.name}={getattr(self, f.name)}" for f in fields(self) if getattr(self, f.name)]
        return ", ".join(on) or "no faults"


@dataclass(frozen=True)
class DeliveryReport:
    """What generate_delivery wrote: files and row counts per source, and what it left out."""

    delivery_date: date
    files: dict[str, Path]
    rows: dict[str, int]
    faults: Faults
    skipped: tuple[str, ...]


def _rng(seed: int, stream: str, *keys: int) -> np.random.Generator:
    """An independent random stream per (seed, purpose, keys), e.g. one per delivery chunk."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode()), *keys])


def _in(sorted_idx: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Positions within the chunk [lo, hi) of globally chosen row indices."""
    return sorted_idx[np.searchsorted(sorted_idx, lo) : np.searchsorted(sorted_idx, hi)] - lo


def _spans(total: int, step: int) -> Iterator[tuple[int, int]]:
    return ((lo, min(lo + step, total)) for lo in range(0, total, step))


def _choose_faulty_rows(n: int, faults: Faults, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Disjoint sorted row indices per catalog fault, exactly round(share * n) each."""
    counts = {name: round(getattr(faults, name) * n) for name in _ROW_FAULTS}
    if sum(counts.values()) > n:
        raise ValueError("catalog fault shares add up to more than all rows")
    picked, chosen = rng.choice(n, sum(counts.values()), replace=False), {}
    for name, k in counts.items():
        chosen[name], picked = np.sort(picked[:k]), picked[k:]
    return chosen


def _catalog(
    n: int, cats: np.ndarray, seed: int, day: int, bad: dict[str, np.ndarray]
) -> Iterator[pd.DataFrame]:
    for lo, hi in _spans(n, CHUNK_ROWS):
        c, rng = cats[lo:hi], _rng(seed, "products", lo)
        chunk = pd.DataFrame({name: table.pick(rng, c) for name, table in WORDS.items()})
        low, high = PRICE_RANGE[c, 0], PRICE_RANGE[c, 1]
        euros = np.exp(low + rng.random(hi - lo) * (high - low)).astype(np.int64)
        chunk["cents"] = euros * 100 + rng.choice([0, 50, 90, 95, 99], hi - lo)
        chunk["brand"] = rng.integers(1, len(BRANDS) + 1, hi - lo)
        chunk["pid"], chunk["cat"] = np.arange(lo, hi), c.astype(np.int64) + 1
        rng = _rng(seed, "catalog", day, lo)
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


def _labels(
    n: int, cats: np.ndarray, seed: int, day: int, flipped: np.ndarray
) -> Iterator[pd.DataFrame]:
    k, per = LABELS_PER_PRODUCT, CHUNK_ROWS // LABELS_PER_PRODUCT
    for lo, hi in _spans(n, per):
        m, c, rng = hi - lo, cats[lo:hi], _rng(seed, "labels", day, lo)
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


def _feedback(
    n: int, cats: np.ndarray, seed: int, day: int, n_queries: int
) -> Iterator[pd.DataFrame]:
    by_cat = np.argsort(cats, kind="stable")
    count = np.bincount(cats, minlength=len(CATEGORIES))
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    ranks = np.arange(1, RESULTS_PER_QUERY + 1)
    for lo, hi in _spans(n_queries, CHUNK_ROWS // RESULTS_PER_QUERY):
        g, rng = hi - lo, _rng(seed, "feedback", day, lo)
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


def _write_csv(
    con: duckdb.DuckDBPyConnection, path: Path, sql: str, chunks: Iterator[pd.DataFrame], day: date
) -> Iterator[int]:
    """Render each chunk with DuckDB and append it, yielding rows written so far.

    The CSV is assembled under a hidden name and renamed when complete, so a reader globbing
    `<source>*.csv` never sees half a delivery.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp, part = path.with_name(f".{path.name}.tmp"), path.with_name(f".{path.name}.part")
    params = {"day": day, **{k: v for k, v in LISTS.items() if f"${k}" in sql}}
    quoted, done = str(part).replace("'", "''"), 0
    try:
        with tmp.open("wb") as out:
            for i, chunk in enumerate(chunks):
                con.register("chunk", chunk)
                con.execute(f"copy ({sql}) to '{quoted}' (header {str(i == 0).lower()})", params)
                con.unregister("chunk")
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out)
                done += len(chunk)
                yield done
        tmp.replace(path)
    finally:
        part.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)


def generate_delivery(
    landing_dir: Path,
    delivery_date: date,
    *,
    n_products: int = 3000,
    seed: int = 7,
    faults: Faults = Faults(),
    progress: Callable[[str, int, int], None] | None = None,
) -> DeliveryReport:
    """Write `<landing_dir>/<source>/<date>/<source>.csv` for each source not in late_sources.

    Same arguments give byte-identical files. A late source's file for that date is removed if
    an earlier run left one, so the delivery really is missing.
    """
    if n_products < 1:
        raise ValueError("n_products must be at least 1")
    n, day = n_products, delivery_date.toordinal()
    cats = _rng(seed, "categories").choice(len(CATEGORIES), n, p=CATEGORY_WEIGHTS).astype(np.int8)
    bad = _choose_faulty_rows(n, faults, _rng(seed, "catalog-faults", day))
    flips = np.sort(_rng(seed, "flips", day).choice(n, round(faults.flipped_labels * n), False))
    n_queries = max(1, round(2 * n / RESULTS_PER_QUERY))
    plans = {  # source: (sql, chunks, total rows)
        "catalog": (
            CATALOG_SQL.format(updated_at=EPOCH_DATE if faults.epoch_dates else DMY_DATE),
            _catalog(n, cats, seed, day, bad),
            n + len(bad["duplicate_ids"]),
        ),
        "labels": (LABELS_SQL, _labels(n, cats, seed, day, flips), n * LABELS_PER_PRODUCT),
        "feedback": (
            FEEDBACK_SQL,
            _feedback(n, cats, seed, day, n_queries),
            n_queries * RESULTS_PER_QUERY,
        ),
    }
    files: dict[str, Path] = {}
    rows: dict[str, int] = {}
    with duckdb.connect() as con:
        for source, (sql, chunks, total) in plans.items():
            path = landing_dir / source / delivery_date.isoformat() / f"{source}.csv"
            if source in faults.late_sources:
                path.unlink(missing_ok=True)
                continue
            for done in _write_csv(con, path, sql, chunks, delivery_date):
                rows[source] = done
                if progress is not None:
                    progress(source, done, total)
            files[source] = path
    skipped = tuple(s for s in SOURCES if s in faults.late_sources)
    return DeliveryReport(delivery_date, files, rows, faults, skipped)
