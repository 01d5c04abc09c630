"""Privacy and train/serve skew benchmark: cost at 10k, 100k and 1M rows, and detection quality.

    .venv/bin/python benchmarks/privacy_skew_bench.py --rows 10000 --rows 100000 --rows 1000000

For each size a catalog-like training frame is generated with numpy (seeded): a title and a
description full of numbers that are NOT identifiers (prices, SKUs, EAN-13 barcodes, dates,
dimensions, model years), a brand, a category, a price, a postcode, an age and a customer e-mail
column. In 1% of the descriptions each, an e-mail address, a phone number (international,
North American or national format) or a card number (Luhn-valid, grouped or not) is injected at
known rows. Then it times, in this process:

- `find_identifiers` over every text column (declared: `customer_email`), and scores the
  description column's flagged rows against the injected truth (precision, recall per kind);
- `apply_transforms` (hash the e-mail, truncate the postcode, bucket the age, drop the title);
- `k_anonymity` over (postcode, age, category) for k = 5 on the transformed frame (the raw
  frame's figure is shown beside it);
- `serving_skew` of a serving sample (a tenth of the rows) from the same distribution (must
  pass) and of one with four faults (description mostly missing, brand constant, price as text,
  title cut to one token; each must fail).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from dq_pipelines.stats.k_anonymity import k_anonymity
from dq_pipelines.stats.privacy import (
    IdentifierReport,
    find_card,
    find_email,
    find_identifiers,
    find_phone,
)
from dq_pipelines.stats.privacy_transforms import apply_transforms
from dq_pipelines.stats.serving_skew import serving_skew

KINDS = ("email", "phone", "card")
INJECTED_SHARE = 0.01  # of the descriptions, per kind
BRANDS = ("acme", "nordic", "loft", "oakline", "brightco", "woodhaus")
CATEGORIES = ("desk", "lamp", "chair", "table", "shelf", "sofa")
WORDS = ("oak", "walnut", "steel", "modern", "vintage", "white", "black", "round", "compact")
PRODUCT_NUMBERS = (
    "Price 1,299.99 EUR",
    "was 2 499,00 now 1 999,00",
    "SKU {a:04d}-{b:04d}-{c:02d}",
    "EAN {ean}",
    "delivered 05.01.2024 10:30",
    "model years 2019 - 2023",
    "{a} x {b} x {c} cm",
    "Item no. 0{a:03d} {b:04d} {c:02d}",
    "order {a:04d}{b:04d}{c:04d}",
)
PHONES = ("+44 20 7946 {a:04d}", "(415) 555-{a:04d}", "06 12 34 {c:02d} {c:02d}", "+33{b:04d}12345")


def _luhn_complete(digits: str) -> str:
    """`digits` with the check digit that makes it Luhn-valid."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return digits + str((10 - total % 10) % 10)


def _ean13(digits12: str) -> str:
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return digits12 + str((10 - weighted % 10) % 10)


def _identifier(kind: str, i: int, rng: np.random.Generator) -> str:
    a, b, c = (int(x) for x in rng.integers(0, 10_000, 3))
    c %= 100
    if kind == "email":
        return f"write to jane.doe{i}@example.com"
    if kind == "phone":
        return "call " + PHONES[i % len(PHONES)].format(a=a, b=b, c=c)
    card = _luhn_complete("4" + "".join(str(d) for d in rng.integers(0, 10, 14)))
    grouped = " ".join(card[j : j + 4] for j in range(0, 16, 4))
    return f"paid with {grouped if i % 2 else card}"


def _description(rng: np.random.Generator) -> str:
    a, b, c = (int(x) for x in rng.integers(0, 10_000, 3))
    ean = _ean13("4" + "".join(str(d) for d in rng.integers(0, 10, 11)))
    template = PRODUCT_NUMBERS[int(rng.integers(len(PRODUCT_NUMBERS)))]
    words = " ".join(rng.choice(WORDS, int(rng.integers(8, 30))))
    return f"{words}. {template.format(a=a, b=b, c=c % 100, ean=ean)}"


def make_training(rows: int, seed: int) -> tuple[pd.DataFrame, dict[str, set[int]]]:
    """The training frame and, per kind, the description rows an identifier was put in."""
    rng = np.random.default_rng(seed)
    descriptions = [_description(rng) for _ in range(rows)]
    truth: dict[str, set[int]] = {}
    chosen = rng.permutation(rows)[: int(rows * INJECTED_SHARE) * len(KINDS)]
    for k, kind in enumerate(KINDS):
        truth[kind] = {int(i) for i in chosen[k :: len(KINDS)]}
        for i in truth[kind]:
            descriptions[i] = f"{descriptions[i]} {_identifier(kind, i, rng)}"
    frame = pd.DataFrame(
        {
            "title": [f"{w} {c} {n}" for w, c, n in zip(
                rng.choice(WORDS, rows), rng.choice(CATEGORIES, rows), rng.integers(1, 99, rows),
                strict=True,
            )],
            "description": descriptions,
            "brand": rng.choice(BRANDS, rows),
            "category": rng.choice(CATEGORIES, rows),
            "price": rng.uniform(5, 900, rows).round(2),
            "postcode": [f"{p:05d}" for p in rng.integers(1000, 96000, rows)],
            "age": rng.integers(18, 90, rows),
            "customer_email": [f"c{i}@shop.example" for i in range(rows)],
        }
    )  # fmt: skip
    return frame, truth


def make_skewed(serving: pd.DataFrame) -> pd.DataFrame:
    """Four faults: description mostly missing, brand constant, price as text, short titles."""
    out = serving.assign(brand="acme", price=serving["price"].map(lambda p: f"EUR {p}"))
    out.loc[out.index[: int(len(out) * 0.9)], "description"] = ""
    out["title"] = out["title"].str.split().str[:1].str.join(" ")
    return out


def _timed(label: str, rows: int, fn: Callable[[], Any]) -> tuple[Any, dict[str, Any]]:
    click.echo(f"[{rows:,} rows] {label} ...", err=True)
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    return result, {"rows": rows, "step": label, "seconds": seconds, "rows_per_s": rows / seconds}


def _quality(
    report: IdentifierReport, training: pd.DataFrame, truth: dict[str, set[int]]
) -> list[dict]:
    """Row-level precision and recall on the description column, per kind."""
    finders = {"email": find_email, "phone": find_phone, "card": find_card}
    rows = []
    for kind in KINDS:
        flagged = {i for i, text in enumerate(training["description"]) if finders[kind](text)}
        hits = len(flagged & truth[kind])
        reported = {(m.column, m.kind): m.rows for m in report.matches}
        assert reported.get(("description", kind), 0) == len(flagged), "scan and finder differ"
        rows.append(
            {
                "kind": kind,
                "injected": len(truth[kind]),
                "flagged": len(flagged),
                "precision": hits / len(flagged) if flagged else 1.0,
                "recall": hits / len(truth[kind]) if truth[kind] else 1.0,
            }
        )
    return rows


def run_size(rows: int, seed: int) -> dict[str, Any]:
    training, truth = make_training(rows, seed)
    serving = make_training(max(rows // 10, 200), seed + 1)[0]
    timings = []
    report, t = _timed(
        "find_identifiers", rows, lambda: find_identifiers(training, declared=["customer_email"])
    )
    timings.append(t)
    specs = {
        "customer_email": "hash",
        "postcode": {"transform": "truncate", "length": 2},
        "age": {"transform": "bucket", "width": 10},
        "title": "drop",
    }
    released, t = _timed(
        "apply_transforms", rows, lambda: apply_transforms(training, specs, salt="b")
    )
    timings.append(t)
    quasi = ["postcode", "age", "category"]
    raw_kanon = k_anonymity(training, quasi, 5)
    kanon, t = _timed("k_anonymity (k=5)", rows, lambda: k_anonymity(released, quasi, 5))
    timings.append(t)
    clean, t = _timed("serving_skew (clean)", rows, lambda: serving_skew(training, serving))
    timings.append(t)
    skewed, t = _timed(
        "serving_skew (4 faults)", rows, lambda: serving_skew(training, make_skewed(serving))
    )
    timings.append(t)
    return {
        "rows": rows,
        "timings": timings,
        "quality": _quality(report, training, truth),
        "identifiers": report.summary(),
        "k_anonymity_raw": raw_kanon.summary(),
        "k_anonymity": kanon.summary(),
        "skew_clean": clean.summary(),
        "skew_faults": list(skewed.failing),
        "skew_expected": sorted(["description", "brand", "price", "title"]),
    }


def render(r: dict[str, Any]) -> list[str]:
    lines = [f"### {r['rows']:,} rows", "", "| step | seconds | rows/s |", "|---|---|---|"]
    lines += [
        f"| {t['step']} | {t['seconds']:.2f} | {t['rows_per_s']:,.0f} |" for t in r["timings"]
    ]
    lines += ["", "| kind | injected | flagged | precision | recall |", "|---|---|---|---|---|"]
    lines += [
        f"| {q['kind']} | {q['injected']} | {q['flagged']} | {q['precision']:.3f} | "
        f"{q['recall']:.3f} |"
        for q in r["quality"]
    ]
    faults_ok = sorted(r["skew_faults"]) == r["skew_expected"]
    lines += [
        "",
        f"- skew, same distribution: {r['skew_clean']}",
        f"- skew, 4 faults: failing {r['skew_faults']} "
        f"({'all four found, no other' if faults_ok else 'NOT the four injected'})",
        f"- k-anonymity before the transforms: {r['k_anonymity_raw']}",
        f"- k-anonymity after (postcode to 2 characters, age to decades): {r['k_anonymity']}",
    ]
    return lines


@click.command()
@click.option(
    "--rows",
    "sizes",
    type=click.IntRange(min=500),
    multiple=True,
    default=(10_000, 100_000, 1_000_000),
    show_default=True,
    help="Training rows to generate; repeat for several sizes.",
)
@click.option("--seed", type=int, default=11, show_default=True)
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path))
def main(sizes: tuple[int, ...], seed: int, json_out: Path | None) -> None:
    """Time the privacy scan, k-anonymity, transforms and skew check; score the detection."""
    results, lines = [], ["## Privacy and serving-skew benchmark", ""]
    started = time.perf_counter()
    for rows in sizes:
        r = run_size(rows, seed)
        results.append(r)
        lines += [*render(r), ""]
    lines.append(
        f"Total {time.perf_counter() - started:.0f} s on {os.cpu_count()} CPUs; load average at "
        f"end {os.getloadavg()[0]:.2f}."
    )
    click.echo("\n".join(lines))
    if json_out:
        json_out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
