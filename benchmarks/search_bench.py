"""Search benchmark: fitting, indexing, a small evaluation and query latency of the product
search index (`dq_pipelines.ml.search_index`) on the sample catalogue.

    .venv/bin/python benchmarks/search_bench.py --sizes 100000,1000000 --queries 200

Each size runs in a fresh Python process, so its peak RSS is its own:

- generate: the sample catalogue's products (`cli/sample_products.py`; not part of the model);
- fit: the embedder learns its vocabulary and SVD basis (from at most 100k products);
- index: every product embedded into float32 unit vectors;
- evaluate: the 40 sample queries (5 per category) in one batch; a product is relevant when it
  is of the query's category: precision@10 and MRR;
- search eval: what `product_search_index` records per version (`ml/search_evaluation.py`):
  recall@10, MRR and nDCG@10 on label- and click-derived judgements, from `--feedback-queries`
  sample searches of 10 impressions each (generated outside the timing, as the sample
  deliveries make them); the time covers the judgements, the batched rankings and the metrics;
- save / load: the artifact written through ModelStore, and opened again (memory-mapped);
- latency: `--queries` single queries against the loaded index, one at a time, as the CLI asks
  them (embedding the query + exact scan of every vector); p50 and p95.

Tables on stdout, progress on stderr; `--json FILE` keeps every figure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import click
import duckdb
import numpy as np
import pandas as pd
from process_memory import peak_rss_mib

from dq_pipelines.cli.sample_products import sample_products, sample_queries
from dq_pipelines.cli.sample_rows import FEEDBACK_SQL, feedback_chunks
from dq_pipelines.cli.sample_vocabulary import CATEGORIES, LISTS
from dq_pipelines.declared.project import JUDGEMENTS, load_models
from dq_pipelines.ml.embeddings import make_embedder
from dq_pipelines.ml.model_store import ModelStore
from dq_pipelines.ml.search_evaluation import evaluate_search
from dq_pipelines.ml.search_index import SearchIndex, product_texts

ASSET = "product_search_index"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def evaluate(index: SearchIndex, k: int = 10) -> dict[str, float]:
    """precision@k and MRR of the sample queries, relevance = the query's category."""
    queries = sample_queries()
    rows, _ = index.search_rows(queries["query"].tolist(), k)
    relevant = index.categories[rows] == queries["category"].to_numpy()[:, None]
    first = np.where(relevant.any(axis=1), relevant.argmax(axis=1) + 1, np.inf)
    return {"precision_at_k": float(relevant.mean()), "mrr": float(np.mean(1 / first))}


def sample_feedback(catalogue: pd.DataFrame, searches: int, seed: int = 7) -> pd.DataFrame:
    """`searches` sample searches' impressions (query, product_id, rank, clicked, thumbs), as the
    sample deliveries generate them for this catalogue (ids P0000001.. in catalogue order)."""
    cats = catalogue["category"].map({c: i for i, c in enumerate(CATEGORIES)}).to_numpy()
    day = date(2026, 1, 1)
    parts = []
    with duckdb.connect() as con:
        for chunk in feedback_chunks(len(cats), cats, seed, day.toordinal(), searches):
            con.register("chunk", chunk)
            parts.append(con.execute(FEEDBACK_SQL, {"day": day, "queries": LISTS["queries"]}).df())
            con.unregister("chunk")
    return pd.concat(parts, ignore_index=True)


def judged_pairs(feedback: pd.DataFrame, labelled: pd.DataFrame, sql: str) -> pd.DataFrame:
    """The pipeline's feedback_judgements SQL model (`sql`), run on the sample feedback."""
    with duckdb.connect() as con:
        con.register("stg_feedback", feedback)
        con.register("training_set", labelled)
        return con.execute(sql).df()


def search_evaluation(index: SearchIndex, labelled: pd.DataFrame, feedback: pd.DataFrame) -> dict:
    """product_search_evaluation's work, timed: the judged pairs from the impressions (the SQL
    model), then the metrics and the judgement volume. Reading the model's file is not timed."""
    sql = load_models()[JUDGEMENTS].sql
    started = time.perf_counter()
    judged = judged_pairs(feedback, labelled, sql)
    figures: dict[str, Any] = {"judgements_s": time.perf_counter() - started}
    started = time.perf_counter()
    evaluation = evaluate_search(index, labelled, judged)
    figures["search_eval_s"] = time.perf_counter() - started
    figures |= {k.replace("/", "_"): v for k, v in evaluation.metrics().items()}
    return figures | {"feedback_impressions": len(feedback), **evaluation.volume}


def latency(index: SearchIndex, n: int, k: int) -> dict[str, float]:
    """p50 / p95 milliseconds of one query at a time (the sample queries, cycled)."""
    texts = sample_queries()["query"].tolist()
    timings = []
    for i in range(n):
        started = time.perf_counter()
        index.search(texts[i % len(texts)], k)
        timings.append((time.perf_counter() - started) * 1000)
    p50, p95 = np.percentile(timings, [50, 95])
    return {"p50_ms": float(p50), "p95_ms": float(p95), "queries": n}


def measure(
    products: int, queries: int, k: int, components: int, searches: int, workdir: Path
) -> dict[str, Any]:
    """One size, measured in this (fresh) process."""
    figures: dict[str, Any] = {"products": products}
    started = time.perf_counter()
    catalogue = sample_products(products, seed=7)
    figures["generate_s"] = time.perf_counter() - started
    feedback = sample_feedback(catalogue, searches)
    labelled = catalogue[["product_id"]].assign(label=catalogue["category"])
    figures["rss_after_generate_mib"] = peak_rss_mib()
    _log(f"[{products:,}] generated in {figures['generate_s']:.1f} s; fitting + indexing ...")
    embedder = make_embedder("tfidf", components=components)
    texts = product_texts(catalogue).tolist()
    started = time.perf_counter()
    embedder.fit(texts)
    figures["fit_s"] = time.perf_counter() - started
    _log(f"[{products:,}] fit {figures['fit_s']:.1f} s")
    started = time.perf_counter()
    index = SearchIndex.embed(catalogue, embedder, texts)
    figures["index_s"] = time.perf_counter() - started
    del catalogue, texts
    _log(f"[{products:,}] indexed in {figures['index_s']:.1f} s")
    started = time.perf_counter()
    figures |= evaluate(index, k)
    figures["evaluate_s"] = time.perf_counter() - started
    figures |= search_evaluation(index, labelled, feedback)
    del labelled, feedback
    _log(
        f"[{products:,}] judged pairs {figures['judgements_s']:.1f} s, "
        f"search evaluation {figures['search_eval_s']:.1f} s"
    )
    store = ModelStore(path=str(workdir))
    started = time.perf_counter()
    path = store.save(ASSET, f"bench-{products}", index)
    figures["save_s"] = time.perf_counter() - started
    figures["artifact_mib"] = path.stat().st_size / 2**20
    figures["vectors_mib"] = index.vectors.nbytes / 2**20
    figures["peak_rss_build_mib"] = peak_rss_mib()
    del index
    started = time.perf_counter()
    loaded = store.load_search_index(ASSET, f"bench-{products}")
    figures["load_s"] = time.perf_counter() - started
    _log(f"[{products:,}] evaluated, saved, loaded; {queries} single queries ...")
    figures |= latency(loaded, queries, k)
    figures["peak_rss_mib"] = peak_rss_mib()
    figures["dimensions"] = int(loaded.vectors.shape[1])
    return figures


def run_child(
    products: int, queries: int, k: int, components: int, searches: int, workdir: Path
) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(products),
           "--queries", str(queries), "--k", str(k), "--components", str(components),
           "--feedback-queries", str(searches), "--workdir", str(workdir)]  # fmt: skip
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise click.ClickException(f"the {products:,}-product child failed ({proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def render(results: list[dict[str, Any]], k: int) -> list[str]:
    lines = [
        f"| products | generate s | fit s | index s | evaluate s | precision@{k} | MRR "
        "| judgements s | search eval s | nDCG@10 labels | nDCG@10 clicks | judged pairs "
        "| save s | load s | p50 ms | p95 ms | vectors MiB | peak RSS MiB |",
        "|---:" * 18 + "|",
    ]
    for r in results:
        lines.append(
            f"| {r['products']:,} | {r['generate_s']:.1f} | {r['fit_s']:.1f} | "
            f"{r['index_s']:.1f} | {r['evaluate_s']:.2f} | {r['precision_at_k']:.3f} | "
            f"{r['mrr']:.3f} | {r['judgements_s']:.2f} | {r['search_eval_s']:.2f} | "
            f"{r['ndcg_at_10_labels']:.3f} | "
            f"{r['ndcg_at_10_clicks']:.3f} | {r['feedback_pairs']:,} | {r['save_s']:.1f} | "
            f"{r['load_s']:.2f} | {r['p50_ms']:.1f} | "
            f"{r['p95_ms']:.1f} | {r['vectors_mib']:.0f} | {r['peak_rss_build_mib']:.0f} |"
        )
    return lines


@click.command()
@click.option("--sizes", default="100000,1000000", show_default=True, help="Products per run.")
@click.option("--queries", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--k", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--components", type=click.IntRange(min=2), default=128, show_default=True)
@click.option("--feedback-queries", "searches", type=click.IntRange(min=1), default=10_000,
              show_default=True, help="Sample searches of 10 impressions to judge by.")  # fmt: skip
@click.option("--workdir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Keep the artifacts here (default: a temporary folder, removed).")  # fmt: skip
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--child", type=int, hidden=True)
def main(
    sizes: str,
    queries: int,
    k: int,
    components: int,
    searches: int,
    workdir: Path | None,
    json_out: Path | None,
    child: int | None,
) -> None:
    """Time fitting, indexing, evaluation and single-query latency of the search index."""
    if child is not None:
        folder = workdir or Path(tempfile.mkdtemp())
        figures = measure(child, queries, k, components, searches, folder)
        sys.stdout.write("\n" + json.dumps(figures) + "\n")
        return
    started = time.perf_counter()
    sizes_list = sorted({int(s) for s in sizes.split(",") if s.strip()})
    with tempfile.TemporaryDirectory() as tmp:
        folder = workdir or Path(tmp)
        results = [run_child(n, queries, k, components, searches, folder) for n in sizes_list]
    lines = [
        "# Search benchmark",
        "",
        f"{os.cpu_count()} CPUs, load average at start {os.getloadavg()[0]:.2f}; "
        f"tfidf backend, {components} dimensions, exact cosine top-{k}; numpy {np.__version__}",
        "",
        *render(results, k),
        "",
        f"Latency: {queries} single queries against the loaded (memory-mapped) index. "
        "peak RSS: while building (products, sparse batches, vectors); "
        f"total {time.perf_counter() - started:.0f} s, "
        f"load average at end {os.getloadavg()[0]:.2f}.",
    ]
    click.echo("\n".join(lines))
    if json_out:
        json_out.write_text(json.dumps(results, indent=2))
        _log(f"wrote {json_out}")


if __name__ == "__main__":
    main()
