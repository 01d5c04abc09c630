"""A search index version judged on relevance judgements from two sources, per version.

- `clicks`: the click feedback (`stg_feedback`) as graded judgements (stats/ranking.py
  `judgements_from_feedback`: clicked gain 1, thumbs up gain 2, a thumbs-down pair excluded).
- `labels`: each feedback query's intended category -> every product labelled with it. A
  query's intended category is the majority label of the products users clicked or thumbed up
  for it (ties: the first category by name); a query none of whose picked products is labelled
  has no intended category and is not judged (counted as `unjudged`). So the queries are the
  ones people type, and the relevant set is the whole category, not only what was shown: a
  challenger that finds relevant products the champion never showed is not penalised for it,
  as it would be on clicks alone.

Both sources rest on feedback: before any feedback exists there is nothing to judge, which is
reported (`SourceEvaluation.note`), not an error. The clicked/thumbed pairs are also the weak
labels (query text -> the picked product's category); their volume is reported here. They are
not fed to the classifier's training: feedback is not upstream of category_model, so its checks
do not gate that training, and a weak label would enter unchecked.

Metric keys are `<metric>/<source>` (e.g. `ndcg_at_10/labels`): the metric and label columns
of dq_model_metrics, and the keys of `product_search_index` in defs/evaluate/promotion.yaml.
"""

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import dagster as dg
import duckdb
import numpy as np
import pandas as pd

from dq_pipelines.ml.promotion import PromotionDecision, decide_promotion
from dq_pipelines.ml.search_index import SearchIndex
from dq_pipelines.stats.ranking import (
    FeedbackJudgements,
    RankingMetrics,
    judgements_from_feedback,
    judgements_from_labels,
    ranking_metrics,
)
from dq_pipelines.storage import model_registry
from dq_pipelines.storage.warehouse import table_exists

K = 10
SOURCES = ("labels", "clicks")
METRICS = ("recall_at_10", "mrr", "ndcg_at_10")
FEEDBACK_TABLE = "stg_feedback"
QUERY_BATCH = 64  # queries scored at once: 64 x SCAN_ROWS float32 scores = 32 MB
FEEDBACK_COLUMNS = ["query", "product_id", "clicked", "thumbs"]


def metric_key(metric: str, source: str) -> str:
    return f"{metric}/{source}"


@dataclass(frozen=True)
class SourceEvaluation:
    """One judgement source's metrics, or None with the reason there was nothing to judge."""

    source: str
    metrics: RankingMetrics | None
    note: str


@dataclass(frozen=True)
class SearchEvaluation:
    sources: tuple[SourceEvaluation, ...]
    volume: dict[str, int]  # the feedback judgements' and weak labels' volume
    seconds: float = 0.0  # how long the evaluation took (reading the feedback included)

    def metrics(self) -> dict[str, float]:
        """`<metric>/<source>` -> value, for the sources that could be judged."""
        found: dict[str, float] = {}
        for s in self.sources:
            if s.metrics is not None:
                m = s.metrics
                values = (m.recall_at_k, m.mrr, m.ndcg_at_10, float(m.queries))
                for name, value in zip((*METRICS, "judged_queries"), values, strict=True):
                    found[metric_key(name, s.source)] = value
        return found

    def unmeasured(self) -> dict[str, str]:
        """`<metric>/<source>` -> why it was not measured (nothing to judge)."""
        return {metric_key(m, s.source): s.note for s in self.sources if s.metrics is None
                for m in METRICS}  # fmt: skip

    def rows(self) -> list[tuple[str, str, float]]:
        """(metric, judgement source, value): the rows of dq_model_metrics."""
        rows = []
        for key, value in self.metrics().items():
            metric, source = key.split("/", 1)
            rows.append((metric, source, value))
        return rows + [(name, "clicks", float(n)) for name, n in self.volume.items()]


def read_feedback(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The distinct (query, product, clicked, thumbs) of feedback that judges something (a
    click or a thumb), not every impression; empty when no feedback has been published."""
    if not table_exists(conn, FEEDBACK_TABLE):
        return pd.DataFrame(columns=FEEDBACK_COLUMNS)
    return conn.execute(
        "select distinct query, product_id, coalesce(clicked, 0) as clicked, thumbs "
        f"from {FEEDBACK_TABLE} where (coalesce(clicked, 0) > 0 or thumbs is not null) "
        "and nullif(trim(query), '') is not null and product_id is not null"
    ).df()


def product_labels(products: pd.DataFrame) -> dict[str, str]:
    """Product id -> its (majority) label, for the labelled products only."""
    if "label" not in products.columns:
        raise ValueError("products lack a label column: label judgements need one")
    known = products[products["label"].notna()]
    return dict(zip(known["product_id"].astype(str), known["label"].astype(str), strict=True))


def intended_categories(
    judgements: Mapping[str, Mapping[str, float]], labels: Mapping[str, str]
) -> dict[str, str]:
    """Each query's majority label among the products picked for it (ties: first by name)."""
    found = {}
    for query, picked in judgements.items():
        votes = Counter(labels[p] for p in picked if p in labels)
        if votes:
            found[query] = min(votes, key=lambda c: (-votes[c], c))
    return found


def rankings(index: SearchIndex, queries: Sequence[str], k: int = K) -> dict[str, list[str]]:
    """The product ids the index returns for each query, best first (batched)."""
    ranked: dict[str, list[str]] = {}
    for lo in range(0, len(queries), QUERY_BATCH):
        batch = list(queries[lo : lo + QUERY_BATCH])
        rows, _ = index.search_rows(batch, k)
        for query, found in zip(batch, rows, strict=True):
            ranked[query] = [str(p) for p in index.product_ids[found]]
    return ranked


def _volume(
    feedback: FeedbackJudgements, weak: Mapping[str, Mapping[str, float]]
) -> dict[str, int]:
    return {
        "feedback_queries": feedback.queries,
        "feedback_pairs": feedback.pairs,
        "clicked_pairs": feedback.clicked_pairs,
        "thumbs_up_pairs": feedback.thumbs_up_pairs,
        "thumbs_down_pairs_excluded": feedback.thumbs_down_pairs_excluded,
        "weak_label_pairs": sum(len(p) for p in weak.values()),
    }


def _judge(source: str, judgements: Mapping, ranked: Mapping, why_empty: str) -> SourceEvaluation:
    if not any(judgements.values()):
        return SourceEvaluation(source, None, why_empty)
    return SourceEvaluation(source, ranking_metrics(judgements, ranked, K), "")


def evaluate_search(
    index: SearchIndex, products: pd.DataFrame, feedback: pd.DataFrame
) -> SearchEvaluation:
    """recall@10, MRR and nDCG@10 of `index` on label- and click-derived judgements.

    `products`: product_id and label (null: unlabelled); `feedback`: query, product_id, clicked
    and thumbs (impressions or their distinct picks: `read_feedback`).
    """
    if "query" in feedback.columns:  # a blank search judges nothing (and cannot be ranked)
        feedback = feedback[feedback["query"].fillna("").astype(str).str.strip() != ""]
    clicks = judgements_from_feedback(feedback)
    labels = product_labels(products)
    # Weak labels: the picked pairs whose product has a label (query text -> that category).
    weak = {q: {p: g for p, g in ps.items() if p in labels} for q, ps in clicks.judgements.items()}
    by_label = judgements_from_labels(intended_categories(clicks.judgements, labels), labels)
    ranked = rankings(index, sorted(clicks.judgements))
    no_feedback = "no click feedback yet: nothing to judge"
    unlabelled = "no picked product is labelled: no query has an intended category"
    return SearchEvaluation(
        sources=(
            _judge("labels", by_label, ranked, unlabelled if clicks.pairs else no_feedback),
            _judge("clicks", clicks.judgements, ranked, no_feedback),
        ),
        volume=_volume(clicks, weak),
    )


def metric_records(
    evaluation: SearchEvaluation, version: str, run_id: str, at: datetime
) -> list[dict[str, object]]:
    """dq_model_metrics rows of `version`: the judgement source is the label column."""
    return [
        {"model_version": version, "metric": metric, "label": source, "value": value,
         "evaluated_at": at, "run_id": run_id}
        for metric, source, value in evaluation.rows()
    ]  # fmt: skip


def champion_metrics(
    conn: duckdb.DuckDBPyConnection, model_asset: str
) -> tuple[str | None, dict[str, float] | None]:
    """The champion's version and its recorded search metrics (None, None before one)."""
    current = model_registry.champion(conn, model_asset)
    if current is None:
        return None, None
    version = str(current["model_version"])
    return version, recorded_metrics(conn, version)


def evaluate_in(
    conn: duckdb.DuckDBPyConnection, index: SearchIndex, products: pd.DataFrame
) -> SearchEvaluation:
    """`evaluate_search` on the warehouse's published feedback, timed."""
    started = time.perf_counter()
    evaluation = evaluate_search(index, products, read_feedback(conn))
    return replace(evaluation, seconds=time.perf_counter() - started)


def recorded_metrics(conn: duckdb.DuckDBPyConnection, version: str) -> dict[str, float]:
    """A version's `<metric>/<source>` values as recorded in dq_model_metrics (latest wins)."""
    found = conn.execute(
        "select metric, label, value from dq_model_metrics where model_version = ? "
        "and label is not null order by evaluated_at",
        [version],
    ).fetchall()
    return {metric_key(m, s): float(v) for m, s, v in found if s in SOURCES}


def decide(
    evaluation: SearchEvaluation,
    champion: Mapping[str, float] | None,
    golden_failed: Sequence[str],
    tolerances: Mapping[str, float],
) -> PromotionDecision:
    """The golden cases first, then each declared metric against the champion's; a metric the
    challenger could not be measured on (no feedback yet) is named, not compared."""
    return decide_promotion(
        evaluation.metrics(), champion, golden_failed, tolerances, evaluation.unmeasured()
    )


def metrics_table(
    evaluation: SearchEvaluation, champion: Mapping[str, float] | None, champion_version: str
) -> str:
    """Markdown: metric x judgement source, this version beside the champion (when one)."""
    ours = evaluation.metrics()
    head = "| metric | judged by | this version |" + (
        f" champion {champion_version} |" if champion is not None else ""
    )
    lines = [head, "|---|---|---:|" + ("---:|" if champion is not None else "")]
    for source in evaluation.sources:
        for metric in (*METRICS, "judged_queries"):
            key = metric_key(metric, source.source)
            cells = [_cell(metric, ours.get(key), source.note)]
            if champion is not None:
                cells.append(_cell(metric, champion.get(key), "not recorded"))
            lines.append(f"| {metric} | {source.source} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(metric: str, value: float | None, missing: str) -> str:
    if value is None or np.isnan(value):
        return missing
    return f"{value:.0f}" if metric == "judged_queries" else f"{value:.4f}"


def evaluation_metadata(
    evaluation: SearchEvaluation, champion: Mapping[str, float] | None, champion_version: str | None
) -> dict[str, dg.MetadataValue]:
    """The figures as materialization metadata: each metric (`<metric>_<source>`), the
    judgement and weak-label volume, why a source was not judged, and the table."""
    found: dict[str, dg.MetadataValue] = {
        key.replace("/", "_"): dg.MetadataValue.float(value)
        for key, value in evaluation.metrics().items()
        if not key.startswith("judged_queries/")
    }
    for s in evaluation.sources:
        judged = s.metrics.queries if s.metrics else 0
        found[f"judged_queries_{s.source}"] = dg.MetadataValue.int(judged)
        found[f"unjudged_queries_{s.source}"] = dg.MetadataValue.int(
            s.metrics.unjudged if s.metrics else 0
        )
        if s.metrics is None:
            found[f"not_judged_{s.source}"] = dg.MetadataValue.text(s.note)
    found |= {name: dg.MetadataValue.int(n) for name, n in evaluation.volume.items()}
    found["evaluate_seconds"] = dg.MetadataValue.float(round(evaluation.seconds, 2))
    table = metrics_table(evaluation, champion, champion_version or "")
    found["search_metrics"] = dg.MetadataValue.md(table)
    return found
