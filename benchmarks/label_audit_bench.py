"""Label-audit benchmark: does confident learning find injected label flips, and what does it cost?

    .venv/bin/python benchmarks/label_audit_bench.py                # ~10 min on 2 cores
    .venv/bin/python benchmarks/label_audit_bench.py --sizes 2000 --products 1000   # seconds

(a) Precision and recall of the flagged items against the flips injected into clean labels, at
each rate (default 5%, 10%, 20%) of uniform flips (a random other class) and class-conditional
flips (each class to one confusable class), on product-like text (the catalog of a clean sample
delivery: title and description, label = category; TF-IDF proxy model) and on data sets bundled
with scikit-learn (digits, wine: numeric features, linear proxy model).
Goal: precision and recall >= 0.8 at 10% uniform flips.

(b) Time of the whole audit (5-fold cross-validated probabilities + confident learning) on
sample catalogs of each size with 10% uniform flips. Goal: 100k items in under 60 s.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd
from process_memory import peak_rss_mib

from dq_pipelines.cli.sample_data import generate_delivery
from dq_pipelines.cli.sample_faults import Faults
from dq_pipelines.stats.confident_learning import find_label_issues
from dq_pipelines.stats.proxy_model import cross_val_pred_probs

GOAL_RATE, GOAL_PR = 0.10, 0.8
GOAL_ITEMS, GOAL_SECONDS = 100_000, 60.0
# Class-conditional flips for the sample catalog: each category to the one most like it.
CONFUSABLE = {
    "chairs": "sofas", "sofas": "beds", "beds": "sofas", "desks": "tables",
    "tables": "desks", "lamps": "desks", "shelves": "tables", "rugs": "sofas",
}  # fmt: skip
DATASETS = ("products", "digits", "wine")
KINDS = ("uniform", "class-conditional")
QUALITY_HEADER = (
    "| data set | items | flips | rate | flipped | flagged | precision | recall "
    "| estimated error rate | seconds |"
)
QUALITY_RULE = "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"
TIMING_HEADER = (
    "| items | CV probabilities s | confident learning s | total s | items/s | flagged "
    "| precision | recall | peak RSS MiB |"
)
TIMING_RULE = "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"


def _log(message: str) -> None:
    click.echo(message, err=True)


def sample_catalog(n: int, workdir: Path) -> pd.DataFrame:
    """The catalog of a clean sample delivery of n products (labels and feedback not written)."""
    faults = Faults(late_sources=("labels", "feedback"))
    report = generate_delivery(workdir, date(2026, 1, 5), n_products=n, faults=faults)
    frame = pd.read_csv(report.files["catalog"], usecols=["product_id", "title", "description",
                                                           "category"])  # fmt: skip
    report.files["catalog"].unlink()
    return frame.rename(columns={"product_id": "item", "category": "label"})


def bundled(name: str) -> pd.DataFrame:
    """A labelled data set shipped inside scikit-learn, as features + `label` + `item`."""
    from sklearn import datasets

    loaded = {"digits": datasets.load_digits, "wine": datasets.load_wine}[name](as_frame=True)
    frame = loaded.frame.rename(columns={"target": "label"})
    frame["label"] = frame["label"].astype(str)
    frame["item"] = np.arange(len(frame))
    return frame


def inject(labels: pd.Series, rate: float, kind: str, seed: int) -> tuple[pd.Series, set[int]]:
    """Flip round(rate * n) labels; return the new labels and the flipped row positions."""
    rng = np.random.default_rng(seed)
    classes = sorted(labels.unique())
    rows = rng.choice(len(labels), round(rate * len(labels)), replace=False)
    new = labels.to_numpy(copy=True)
    if kind == "uniform":
        codes = np.searchsorted(classes, new[rows])
        shift = rng.integers(1, len(classes), len(rows))
        new[rows] = np.array(classes)[(codes + shift) % len(classes)]
    else:  # each class to one other: CONFUSABLE for the catalog, the next class otherwise
        mapping = CONFUSABLE if set(classes) <= set(CONFUSABLE) else {
            c: classes[(i + 1) % len(classes)] for i, c in enumerate(classes)
        }  # fmt: skip
        new[rows] = [mapping[c] for c in new[rows]]
    return pd.Series(new, index=labels.index), set(rows.tolist())


def audit(frame: pd.DataFrame, features: list[str], folds: int) -> tuple[Any, float, float]:
    """Run the audit; return its result and the seconds spent in each of its two stages."""
    started = time.perf_counter()
    pred = cross_val_pred_probs(frame, features, "label", id_column="row", folds=folds)
    cv_s = time.perf_counter() - started
    started = time.perf_counter()
    result = find_label_issues(pred.labels, pred.probs, pred.classes, items=pred.items)
    return result, cv_s, time.perf_counter() - started


def score(result: Any, truth: set[int]) -> tuple[float, float]:
    found = {issue.item for issue in result.flagged}
    hits = len(found & truth)
    return hits / len(found) if found else 1.0, hits / len(truth) if truth else 1.0


def quality_rows(data: dict[str, tuple[pd.DataFrame, list[str]]], rates, folds) -> list[dict]:
    rows = []
    for name, (clean, features) in data.items():
        for kind in KINDS:
            for rate in rates:
                labels, truth = inject(clean["label"], rate, kind, seed=11)
                frame = clean.assign(label=labels, row=np.arange(len(clean)))
                result, cv_s, cl_s = audit(frame, features, folds)
                precision, recall = score(result, truth)
                rows.append({
                    "dataset": name, "items": len(frame), "kind": kind, "rate": rate,
                    "flipped": len(truth), "flagged": result.n_flagged, "precision": precision,
                    "recall": recall, "estimated_rate": result.estimated_error_rate,
                    "seconds": cv_s + cl_s,
                })  # fmt: skip
                _log(f"[{name} {kind} {rate:.0%}] precision {precision:.3f} recall {recall:.3f}")
    return rows


def timing_rows(sizes: list[int], folds: int, workdir: Path) -> list[dict]:
    rows = []
    for n in sizes:
        _log(f"[{n:,} items] generating the catalog ...")
        started = time.perf_counter()
        clean = sample_catalog(n, workdir)
        gen_s = time.perf_counter() - started
        labels, truth = inject(clean["label"], GOAL_RATE, "uniform", seed=11)
        frame = clean.assign(label=labels, row=np.arange(len(clean)))
        _log(f"[{n:,} items] generated in {gen_s:.1f} s; auditing ...")
        result, cv_s, cl_s = audit(frame, ["title", "description"], folds)
        precision, recall = score(result, truth)
        rows.append({
            "items": n, "generate_s": gen_s, "cv_s": cv_s, "cl_s": cl_s, "total_s": cv_s + cl_s,
            "flagged": result.n_flagged, "precision": precision, "recall": recall,
            "peak_rss_mib": peak_rss_mib(),
        })  # fmt: skip
        _log(f"[{n:,} items] audit {cv_s + cl_s:.1f} s")
    return rows


def render(quality: list[dict], timing: list[dict], env: dict[str, Any]) -> list[str]:
    lines = ["## Label audit benchmark", "", env["line"], ""]
    lines += ["### Flagged items against injected flips", "", QUALITY_HEADER, QUALITY_RULE]
    for r in quality:
        lines.append(
            f"| {r['dataset']} | {r['items']:,} | {r['kind']} | {r['rate']:.0%} | {r['flipped']:,} "
            f"| {r['flagged']:,} | {r['precision']:.3f} | {r['recall']:.3f} "
            f"| {r['estimated_rate']:.1%} | {r['seconds']:.1f} |"
        )
    goal = [r for r in quality if r["kind"] == "uniform" and r["rate"] == GOAL_RATE]
    lines += ["", f"Goal: precision and recall >= {GOAL_PR} at {GOAL_RATE:.0%} uniform flips:"]
    for r in goal:
        met = r["precision"] >= GOAL_PR and r["recall"] >= GOAL_PR
        lines.append(f"- {r['dataset']}: {'MET' if met else 'MISSED'} "
                     f"(precision {r['precision']:.3f}, recall {r['recall']:.3f})")  # fmt: skip
    if timing:
        title = f"### Time of the whole audit (sample catalog, {GOAL_RATE:.0%} uniform flips)"
        lines += ["", title, "", TIMING_HEADER, TIMING_RULE]
        for r in timing:
            lines.append(
                f"| {r['items']:,} | {r['cv_s']:.1f} | {r['cl_s']:.2f} | {r['total_s']:.1f} "
                f"| {r['items'] / r['total_s']:,.0f} | {r['flagged']:,} | {r['precision']:.3f} "
                f"| {r['recall']:.3f} | {r['peak_rss_mib']:,.0f} |"
            )
        at_goal = [r for r in timing if r["items"] == GOAL_ITEMS]
        for r in at_goal:
            met = r["total_s"] < GOAL_SECONDS
            lines.append(f"\nGoal: {GOAL_ITEMS:,} items in under {GOAL_SECONDS:.0f} s: "
                         f"{'MET' if met else 'MISSED'} ({r['total_s']:.1f} s)")  # fmt: skip
    lines += ["", f"Total {time.perf_counter() - env['started']:.0f} s; load average at end "
              f"{os.getloadavg()[0]:.2f}."]  # fmt: skip
    return lines


@click.command()
@click.option(
    "--products",
    type=click.IntRange(min=200),
    default=10_000,
    show_default=True,
    help="Size of the sample catalog used for precision and recall.",
)
@click.option(
    "--dataset",
    "datasets",
    type=click.Choice(DATASETS),
    multiple=True,
    help="Data sets for precision and recall (default: all).",
)
@click.option(
    "--rate",
    "rates",
    type=click.FloatRange(0.0, 0.5),
    multiple=True,
    default=(0.05, 0.10, 0.20),
    show_default=True,
)
@click.option(
    "--sizes",
    "sizes",
    type=click.IntRange(min=200),
    multiple=True,
    default=(10_000, 100_000, 1_000_000),
    show_default=True,
    help="Catalog sizes to time the whole audit at; repeat for several.",
)
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True)
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path))
def main(products, datasets, rates, sizes, folds, json_out) -> None:  # fmt: skip
    """Precision, recall and time of the label audit (confident learning on a proxy model)."""
    versions = {name: metadata.version(name) for name in ("scikit-learn", "numpy", "pandas")}
    env = {"started": time.perf_counter(), "cpus": os.cpu_count(), "versions": versions,
           "line": f"{os.cpu_count()} CPUs, load average at start {os.getloadavg()[0]:.2f}; "
           f"python {platform.python_version()}, "
           + ", ".join(f"{k} {v}" for k, v in versions.items()) + f"; {folds} folds"}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="dq-label-audit-bench-") as tmp:
        data: dict[str, tuple[pd.DataFrame, list[str]]] = {}
        for name in datasets or DATASETS:
            if name == "products":
                data[name] = (sample_catalog(products, Path(tmp)), ["title", "description"])
            else:
                frame = bundled(name)
                data[name] = (frame, [c for c in frame if c not in ("label", "item")])
        quality = quality_rows(data, sorted(set(rates)), folds)
        timing = timing_rows(sorted(set(sizes)), folds, Path(tmp))
    click.echo("\n".join(render(quality, timing, env)))
    if json_out:
        json_out.write_text(json.dumps({"quality": quality, "timing": timing,
                                        "versions": versions}, indent=2))  # fmt: skip
        _log(f"wrote {json_out}")


if __name__ == "__main__":
    main()
