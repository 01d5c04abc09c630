"""A search index version judged on relevance judgements from two sources, per version.

Both rest on the judged pairs the `feedback_judgements` SQL model publishes from the search
feedback (dbt_like_sql/marts/feedback_judgements.sql holds the rule: a clicked pair has gain 1,
a thumbed-up one gain 2, a pair with a thumbs down none), so the evaluation, the classifier's
weak labels and the table a person queries are the same pairs:

- `clicks`: those pairs as graded judgements.
- `labels`: each judged query's intended category (ml/feedback_judgements.py: the majority
  label of the products users picked for it) -> every product labelled with it. A query none
  of whose picked products is labelled has no intended category and is not judged (counted
  as `unjudged`).
  So the queries are the ones people type, and the relevant set is the whole category, not
  only what was shown: a challenger that finds relevant products the champion never showed is
  not penalised for it, as it would be on clicks alone.

Before any feedback exists there is nothing to judge, which is reported
(`SourceEvaluation.note`), not an error. The champion and the challenger are judged on the same
pairs (defs/evaluate/search.py), so a comparison never mixes two days' feedback.

Metric keys are `<metric>/<source>` (e.g. `ndcg_at_10/labels`): the metric and label columns
of dq_model_metrics, and the keys of `product_search_index` in defs/evaluate/promotion.yaml.
"""

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import dagster as dg
import numpy as np
import pandas as pd

from dq_pipelines.ml.feedback_judgements import intended_categories
from dq_pipelines.ml.promotion import PromotionDecision, decide_promotion
from dq_pipelines.ml.search_index import SearchIndex
from dq_pipelines.stats.ranking import (
    CLICK_GAIN,
    THUMBS_UP_GAIN,
    RankingMetrics,
    judgements_from_labels,
    judgements_from_pairs,
    ranking_metrics,
)

K = 10
SOURCES = ("labels", "clicks")
METRICS = ("recall_at_10", "mrr", "ndcg_at_10")
QUERY_BATCH = 64  # queries scored at once: 64 x SCAN_ROWS float32 scores = 32 MB


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


def product_labels(products: pd.DataFrame) -> dict[str, str]:
    """Product id -> its (majority) label, for the labelled products only."""
    if "label" not in products.columns:
        raise ValueError("products lack a label column: label judgements need one")
    known = products[products["label"].notna()]
    return dict(zip(known["product_id"].astype(str), known["label"].astype(str), strict=True))


def rankings(index: SearchIndex, queries: Sequence[str], k: int = K) -> dict[str, list[str]]:
    """The product ids the index returns for each query, best first (batched)."""
    ranked: dict[str, list[str]] = {}
    for lo in range(0, len(queries), QUERY_BATCH):
        batch = list(queries[lo : lo + QUERY_BATCH])
        rows, _ = index.search_rows(batch, k)
        for query, found in zip(batch, rows, strict=True):
            ranked[query] = [str(p) for p in index.product_ids[found]]
    return ranked


def _volume(judged: pd.DataFrame) -> dict[str, int]:
    """How many judged queries and pairs there are, by gain, and how many carry a weak label."""
    gain = judged["gain"].astype(float)
    weak = judged["weak_label"].notna()
    return {
        "feedback_queries": int(judged.loc[gain > 0, "query"].nunique()),
        "feedback_pairs": int((gain > 0).sum()),
        "clicked_pairs": int((gain == CLICK_GAIN).sum()),
        "thumbs_up_pairs": int((gain == THUMBS_UP_GAIN).sum()),
        "weak_label_pairs": int((weak & (gain > 0)).sum()),
    }


def _judge(source: str, judgements: Mapping, ranked: Mapping, why_empty: str) -> SourceEvaluation:
    if not any(judgements.values()):
        return SourceEvaluation(source, None, why_empty)
    return SourceEvaluation(source, ranking_metrics(judgements, ranked, K), "")


def evaluate_search(
    index: SearchIndex, products: pd.DataFrame, judged: pd.DataFrame
) -> SearchEvaluation:
    """recall@10, MRR and nDCG@10 of `index` on label- and click-derived judgements.

    `products`: product_id and label (null: unlabelled), whose labels say which products each
    category holds; `judged`: the judged pairs, query, product_id, gain and weak_label
    (ml/feedback_judgements.py `read_judgements`).
    """
    judged = judged[judged["query"].fillna("").astype(str).str.strip() != ""]  # judges nothing
    clicks = judgements_from_pairs(judged)
    labels = product_labels(products)
    by_label = judgements_from_labels(intended_categories(judged), labels)
    ranked = rankings(index, sorted(clicks))
    no_feedback = "no click feedback yet: nothing to judge"
    unlabelled = "no picked product is labelled: no query has an intended category"
    return SearchEvaluation(
        sources=(
            _judge("labels", by_label, ranked, unlabelled if clicks else no_feedback),
            _judge("clicks", clicks, ranked, no_feedback),
        ),
        volume=_volume(judged),
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


def evaluate_timed(
    index: SearchIndex, products: pd.DataFrame, judged: pd.DataFrame
) -> SearchEvaluation:
    """`evaluate_search`, with how long it took."""
    started = time.perf_counter()
    evaluation = evaluate_search(index, products, judged)
    return replace(evaluation, seconds=time.perf_counter() - started)


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
