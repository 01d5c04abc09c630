"""Drift benchmark: speed, false-positive rate and detection of `dq_pipelines.stats.drift`.

    .venv/bin/python benchmarks/drift_bench.py --sizes 10000,100000,1000000 --repeats 3 \
        --fp-sizes 1000,10000,100000 --pairs 50

A synthetic 20-column table (10 numeric, 6 categorical, 4 text; some columns with nulls):

- speed: `detect_drift` on a reference and a current table of N rows each (median wall and CPU
  time of repeats, the per-kind split from one more pass of `column_drift` per column);
- false positives: `--pairs` pairs of fresh samples of the SAME distribution per size; the share
  of pairs where any column is flagged, per kind and per column (goal: at most 5%), beside the
  share the thresholds alone (alpha = 1, no significance gate) would flag;
- detection: a current table with drift injected in 7 columns (mean shift of 0.75 sd, scale
  change, category shares moved, a new category, new vocabulary, longer texts); which columns
  are flagged, at each timing size.

Tables on stdout, progress on stderr; `--json FILE` keeps every figure.
"""

from __future__ import annotations

import functools
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from dq_pipelines.stats.drift import ColumnDrift, column_drift, detect_drift, infer_kind

FP_GOAL = 0.05
TIME_GOAL_S, TIME_GOAL_ROWS = 10.0, 1_000_000
WORDS = [f"w{i:03d}" for i in range(400)]  # the reference vocabulary
NEW_WORDS = [f"new{i:02d}" for i in range(10)]  # only in drifted text
# Columns with injected drift and what was done to them.
DRIFT = {
    "num_0": "mean +0.75 sd",
    "num_4": "scale x2 (log-normal sigma)",
    "num_8": "mean +0.75 sd (with nulls)",
    "cat_0": "shares of two categories swapped",
    "cat_3": "new category at 20%",
    "text_0": "10 new words among the 15 most frequent",
    "text_2": "texts twice as long",
}


def _zipf(k: int, s: float = 1.1) -> np.ndarray:
    weights = 1.0 / np.arange(1, k + 1) ** s
    return weights / weights.sum()


@functools.cache
def _pool(column: int, words: tuple[str, ...], mean_len: int) -> np.ndarray:
    """The 20,000 sentences (Zipf-distributed words) a text column draws its values from.

    Fixed per column and variant, not per sample: the pool is part of the distribution, so two
    samples of the same column are two samples of one distribution. Values repeat (as titles
    do), so tokens come in clusters; the vocabulary test allows for that.
    """
    rng = np.random.default_rng(10_000 + column)
    lengths = np.clip(rng.poisson(mean_len, 20_000), 1, None)
    vocabulary = np.array(words)
    picks = rng.choice(len(words), size=int(lengths.sum()), p=_zipf(len(words)))
    cuts = np.cumsum(lengths)[:-1]
    return np.array([" ".join(vocabulary[p]) for p in np.split(picks, cuts)], dtype=object)


def make_table(rows: int, seed: int, drifted: bool = False) -> pd.DataFrame:
    """20 columns of one fixed distribution (or, with `drifted`, of the DRIFT changes)."""
    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {}
    for i in range(10):
        shift = 0.75 if drifted and f"num_{i}" in DRIFT and i != 4 else 0.0
        scale = 2.0 if drifted and i == 4 else 1.0
        if i % 3 == 2:
            values = rng.integers(0, 20, rows).astype(float)  # discrete: PSI bins merge ties
            values = values + shift * values.std()
        elif i % 3 == 1:
            values = np.exp(rng.normal(shift, 0.5 * scale, rows))
        else:
            values = rng.normal(10 * i + shift, scale, rows)
        if i in (3, 8):
            values[rng.random(rows) < 0.05] = np.nan
        data[f"num_{i}"] = values
    for i in range(6):
        k = (3, 8, 15, 25, 40, 60)[i]
        labels = np.array([f"c{i}_{j}" for j in range(k)], dtype=object)
        shares = _zipf(k)
        if drifted and i == 0:
            shares[[0, 1]] = shares[[1, 0]]
        column = labels[rng.choice(k, size=rows, p=shares)]
        if drifted and i == 3:
            column[rng.random(rows) < 0.2] = "brand_new"
        data[f"cat_{i}"] = column
    for i in range(4):
        words = WORDS[: 400 - 80 * i]
        if drifted and i == 0:
            words = words[:5] + NEW_WORDS[:10] + words[5:-10]
        pool = _pool(i, tuple(words), 16 if drifted and i == 2 else 8)
        data[f"text_{i}"] = pool[rng.integers(0, pool.size, rows)]
    return pd.DataFrame(data)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _ints(text: str) -> list[int]:
    return sorted({int(part) for part in text.split(",") if part.strip()})


def threshold_only(result: ColumnDrift) -> bool:
    """What the thresholds alone (alpha = 1) would say, from the figures the result carries."""
    if result.value is None:
        return result.drifted
    over = result.value > result.threshold
    if result.kind == "text":
        over = over or result.extra["length_psi"] > result.extra["length_threshold"]
    return over


def timings(sizes: list[int], repeats: int) -> tuple[list[str], dict[str, Any]]:
    """Median wall time of `detect_drift` per size, and where it goes by kind."""
    lines = ["## Speed: `detect_drift` on 20 columns (10 numeric, 6 categorical, 4 text)", ""]
    lines += [
        "| rows (each side) | median s | runs (s) | cpu s | numeric s | categorical s | text s |"
    ]
    lines += ["|---:|---:|---|---:|---:|---:|---:|"]
    figures: dict[str, Any] = {}
    for rows in sizes:
        _log(f"[speed {rows:,}] generating ...")
        reference, current = make_table(rows, seed=1), make_table(rows, seed=2)
        runs, cpu = [], []
        for i in range(repeats):
            started, cpu_started = time.perf_counter(), time.process_time()
            detect_drift(reference, current)
            runs.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            _log(f"[speed {rows:,}] repeat {i + 1}/{repeats}: {runs[-1]:.2f} s")
        by_kind = dict.fromkeys(("numeric", "categorical", "text"), 0.0)
        for name in reference.columns:
            started = time.perf_counter()
            kind = infer_kind(reference[name])
            column_drift(reference[name], current[name], kind)
            by_kind[str(kind)] += time.perf_counter() - started
        median = statistics.median(runs)
        lines.append(
            f"| {rows:,} | {median:.2f} | {', '.join(f'{r:.2f}' for r in runs)} | "
            f"{statistics.median(cpu):.2f} | "
            + " | ".join(f"{by_kind[k]:.2f}" for k in by_kind)
            + " |"
        )
        figures[str(rows)] = {
            "median_s": median,
            "runs_s": runs,
            "cpu_s": cpu,
            "by_kind_s": by_kind,
        }
    if str(TIME_GOAL_ROWS) in figures:
        median = figures[str(TIME_GOAL_ROWS)]["median_s"]
        verdict = "PASS" if median < TIME_GOAL_S else "FAIL"
        lines += [
            "",
            f"Goal: under {TIME_GOAL_S:.0f} s at 1M rows: {median:.2f} s wall, {verdict}. "
            "cpu s is the process's CPU time: with other work on the machine (see the load "
            "average) wall time also counts the time spent waiting for a core.",
        ]
    return lines, figures


def false_positives(sizes: list[int], pairs: int) -> tuple[list[str], dict[str, Any]]:
    """Share of pairs of fresh same-distribution samples where columns are flagged."""
    per_column: dict[int, dict[str, int]] = {}
    summary = [
        "| rows (each side) | pairs | any column | numeric | categorical | text "
        "| any column, thresholds alone |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    figures: dict[str, Any] = {}
    for rows in sizes:
        counts = {"any": 0, "any_threshold_only": 0, "numeric": 0, "categorical": 0, "text": 0}
        columns: dict[str, int] = {}
        for pair in range(pairs):
            seed = 1000 + 2 * pair
            report = detect_drift(make_table(rows, seed), make_table(rows, seed + 1))
            flagged = [r for r in report.columns if r.drifted]
            counts["any"] += bool(flagged)
            counts["any_threshold_only"] += any(threshold_only(r) for r in report.columns)
            for kind in ("numeric", "categorical", "text"):
                counts[kind] += any(r.kind == kind for r in flagged)
            for r in report.columns:
                columns[r.column] = columns.get(r.column, 0) + r.drifted
            if (pair + 1) % 10 == 0:
                _log(f"[false positives {rows:,}] {pair + 1}/{pairs} pairs")
        per_column[rows] = columns
        rates = {k: v / pairs for k, v in counts.items()}
        summary.append(
            f"| {rows:,} | {pairs} | {rates['any']:.0%} | {rates['numeric']:.0%} | "
            f"{rates['categorical']:.0%} | {rates['text']:.0%} | "
            f"{rates['any_threshold_only']:.0%} |"
        )
        figures[str(rows)] = {"pairs": pairs, "rates": rates, "per_column": columns}
    worst = max((f["rates"]["any"] for f in figures.values()), default=0.0)
    lines = [
        "## False positives: pairs of fresh samples of the same distribution",
        "",
        *summary,
        "",
        f"Goal: at most {FP_GOAL:.0%} of pairs with any column flagged: worst {worst:.0%}, "
        + ("PASS." if worst <= FP_GOAL else "FAIL."),
        "",
        "Per column (share of pairs flagged):",
        "",
        "| column | " + " | ".join(f"{rows:,}" for rows in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for name in make_table(10, 0).columns:
        cells = " | ".join(f"{per_column[rows][name] / pairs:.0%}" for rows in sizes)
        lines.append(f"| {name} | {cells} |")
    return lines, figures


def detection(sizes: list[int]) -> tuple[list[str], dict[str, Any]]:
    """Which columns are flagged when DRIFT is injected (a good result flags exactly those)."""
    lines = ["## Detection: drift injected in " + ", ".join(DRIFT), ""]
    lines += ["| rows | injected and flagged | missed | flagged without injection | summary |"]
    lines += ["|---:|---|---|---|---|"]
    figures: dict[str, Any] = {}
    for rows in sizes:
        _log(f"[detection {rows:,}] ...")
        report = detect_drift(make_table(rows, seed=1), make_table(rows, seed=2, drifted=True))
        flagged = set(report.drifted_columns)
        hit = [c for c in DRIFT if c in flagged]
        missed = [c for c in DRIFT if c not in flagged]
        extra = sorted(flagged - set(DRIFT))
        lines.append(
            f"| {rows:,} | {len(hit)}/{len(DRIFT)} | {', '.join(missed) or '-'} | "
            f"{', '.join(extra) or '-'} | {report.summary()} |"
        )
        figures[str(rows)] = {"hit": hit, "missed": missed, "false": extra}
        if rows == max(sizes):
            lines += ["", f"Column results at {rows:,} rows:", ""]
            lines += [f"- {report.column(c).summary()}" for c in DRIFT]
    return lines, figures


@click.command()
@click.option("--sizes", default="10000,100000,1000000", show_default=True, help="Speed rows.")
@click.option("--repeats", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--fp-sizes", default="1000,10000,100000", show_default=True)
@click.option("--pairs", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path))
def main(sizes: str, repeats: int, fp_sizes: str, pairs: int, json_out: Path | None) -> None:
    """Time drift detection, measure its false-positive rate and check it detects drift."""
    started = time.perf_counter()
    lines = [
        "# Drift benchmark",
        "",
        f"{os.cpu_count()} CPUs, load average at start {os.getloadavg()[0]:.2f}; "
        f"numpy {np.__version__}, pandas {pd.__version__}",
        "",
    ]
    figures: dict[str, Any] = {}
    parts: list[tuple[str, Callable[[], tuple[list[str], dict[str, Any]]]]] = [
        ("speed", lambda: timings(_ints(sizes), repeats)),
        ("false_positives", lambda: false_positives(_ints(fp_sizes), pairs)),
        ("detection", lambda: detection(_ints(sizes))),
    ]
    for key, part in parts:
        part_lines, figures[key] = part()
        lines += [*part_lines, ""]
    lines.append(
        f"Total {time.perf_counter() - started:.0f} s; "
        f"load average at end {os.getloadavg()[0]:.2f}."
    )
    click.echo("\n".join(lines))
    if json_out:
        json_out.write_text(json.dumps(figures, indent=2))
        _log(f"wrote {json_out}")


if __name__ == "__main__":
    main()
