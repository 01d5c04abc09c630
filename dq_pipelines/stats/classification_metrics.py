"""Classifier evaluation: accuracy, macro-F1, per-class recall and the confusion matrix.

Plain Python values out (floats, dicts, lists of lists), so the result goes as it is into asset
metadata and the metrics table. Conventions are scikit-learn's: confusion rows are true classes,
columns predicted ones; by default the classes are the labels seen (true or predicted); a
precision, recall or F1 with nothing to divide by counts as 0 (zero_division=0).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClassificationMetrics:
    """`classes` sorted; `confusion[i][j]` = items of true class i predicted as class j."""

    classes: tuple[str, ...]
    n: int
    accuracy: float
    macro_f1: float
    recall_per_class: dict[str, float]
    confusion: list[list[int]]


def _safe_divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.zeros_like(num, dtype=float), where=den > 0)


def classification_metrics(
    y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str] | None = None
) -> ClassificationMetrics:
    """Metrics of predictions against true labels over `classes` (default: every label seen).

    Passing `classes` keeps a class the holdout lacks in the matrix (its recall is 0); a label
    outside `classes` is refused rather than silently dropped.
    """
    true, pred = np.asarray(y_true, dtype=str), np.asarray(y_pred, dtype=str)
    if true.shape != pred.shape or true.ndim != 1:
        raise ValueError(f"y_true and y_pred differ in length: {len(true)} vs {len(pred)}")
    if len(true) == 0:
        raise ValueError("no predictions to evaluate")
    seen = np.union1d(true, pred)
    names = np.array(sorted(set(classes)), dtype=str) if classes is not None else seen
    if unknown := sorted(set(seen.tolist()) - set(names.tolist())):
        raise ValueError(f"labels {unknown} are not among the classes {names.tolist()}")
    t, p = np.searchsorted(names, true), np.searchsorted(names, pred)
    confusion = np.zeros((len(names), len(names)), dtype=np.int64)
    np.add.at(confusion, (t, p), 1)
    hits = np.diag(confusion).astype(float)
    recall = _safe_divide(hits, confusion.sum(axis=1))
    precision = _safe_divide(hits, confusion.sum(axis=0))
    f1 = _safe_divide(2 * precision * recall, precision + recall)
    return ClassificationMetrics(
        classes=tuple(str(c) for c in names),
        n=len(true),
        accuracy=float(hits.sum() / len(true)),
        macro_f1=float(f1.mean()),
        recall_per_class={str(c): float(r) for c, r in zip(names, recall, strict=True)},
        confusion=confusion.tolist(),
    )
