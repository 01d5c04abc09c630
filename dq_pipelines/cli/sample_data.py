"""Deterministic sample deliveries (catalog, labels, feedback, inference requests) with optional
injected faults.

The parts: what products are made of (sample_vocabulary.py), which faults a delivery carries and
where (sample_faults.py), each source's rows as codes and the SQL rendering them (sample_rows.py).
This module writes them: DuckDB renders each chunk and writes the CSV (multi-threaded, in row
order), assembled under a hidden name so a reader never sees half a delivery.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from dq_pipelines.cli.sample_faults import Faults, choose_faulty_rows, choose_label_faults
from dq_pipelines.cli.sample_rows import (
    CATALOG_SQL,
    CONTACT_SQL,
    DMY_DATE,
    EPOCH_DATE,
    FEEDBACK_SQL,
    LABELS_PER_PRODUCT,
    LABELS_SQL,
    REQUESTS_SQL,
    RESULTS_PER_QUERY,
    catalog_chunks,
    drift_weights,
    feedback_chunks,
    label_chunks,
    request_chunks,
    rng_for,
)
from dq_pipelines.cli.sample_vocabulary import CATEGORIES, LISTS, SOURCES

Plan = tuple[str, Iterator[pd.DataFrame], int]  # a source's SQL, its chunks of codes, total rows


@dataclass(frozen=True)
class DeliveryReport:
    """What generate_delivery wrote: files and row counts per source, and what it left out."""

    delivery_date: date
    files: dict[str, Path]
    rows: dict[str, int]
    faults: Faults
    skipped: tuple[str, ...]


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


def _choose(n: int, share: float, rng: np.random.Generator) -> np.ndarray:
    """Exactly round(share * n) sorted indices out of n."""
    return np.sort(rng.choice(n, round(share * n), replace=False))


def _plans(n: int, seed: int, day: int, faults: Faults) -> dict[str, Plan]:
    """What each source's CSV is made of; the products (cats) are shared by every source."""
    cats = rng_for(seed, "categories").choice(len(CATEGORIES), n, p=drift_weights(faults.drift))
    cats = cats.astype(np.int8)
    bad = choose_faulty_rows(n, faults, rng_for(seed, "catalog-faults", day))
    labelled = choose_label_faults(
        cats, faults, rng_for(seed, "flips", day), rng_for(seed, "label-fault-items", day)
    )
    n_queries = max(1, round(2 * n / RESULTS_PER_QUERY))
    n_requests = max(1, round(n / 2))
    serving = rng_for(seed, "serving-faults", day)
    short = _choose(n_requests, faults.serving_short_titles, serving)
    bare = _choose(n_requests, faults.serving_missing_description, serving)
    catalog_sql = CATALOG_SQL.format(
        updated_at=EPOCH_DATE if faults.epoch_dates else DMY_DATE,
        contact=CONTACT_SQL if len(bad["pii_in_descriptions"]) else "",
    )
    return {
        "catalog": (
            catalog_sql,
            catalog_chunks(n, cats, seed, day, bad, faults.drift),
            n + len(bad["duplicate_ids"]),
        ),
        "labels": (
            LABELS_SQL,
            label_chunks(n, cats, seed, day, labelled),
            (n - len(labelled.missing)) * LABELS_PER_PRODUCT,
        ),
        "feedback": (
            FEEDBACK_SQL,
            feedback_chunks(n, cats, seed, day, n_queries, faults.ctr_drop),
            n_queries * RESULTS_PER_QUERY,
        ),
        "inference_requests": (
            REQUESTS_SQL,
            request_chunks(n_requests, seed, day, faults.drift, short, bare),
            n_requests,
        ),
    }


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
    an earlier run left one, so the delivery really is missing. About n_products / 2 inference
    requests are written.
    """
    if n_products < 1:
        raise ValueError("n_products must be at least 1")
    plans = _plans(n_products, seed, delivery_date.toordinal(), faults)
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
