"""A classifier version judged on its holdout: the metrics recorded per version, and the
confusion matrix as a table a person reads in the UI."""

import pandas as pd
from sklearn.pipeline import Pipeline

from dq_pipelines.ml.classifier import text_features
from dq_pipelines.stats.classification_metrics import ClassificationMetrics, classification_metrics


def holdout_metrics(model: Pipeline, holdout: pd.DataFrame) -> ClassificationMetrics:
    predicted = list(model.predict(text_features(holdout)))
    return classification_metrics(holdout["label"].tolist(), predicted)


def metric_rows(m: ClassificationMetrics) -> list[tuple[str, str | None, float]]:
    """(metric, label or None for overall, value): the rows of dq_model_metrics."""
    rows = [("accuracy", None, m.accuracy), ("macro_f1", None, m.macro_f1)]
    return rows + [("recall", label, v) for label, v in m.recall_per_class.items()]


def confusion_table(m: ClassificationMetrics) -> str:
    """The confusion matrix as a markdown table: rows the true class, columns the predicted."""
    head = "| true \\\\ predicted | " + " | ".join(m.classes) + " |"
    rule = "|---" * (len(m.classes) + 1) + "|"
    body = [
        f"| **{c}** | " + " | ".join(str(n) for n in row) + " |"
        for c, row in zip(m.classes, m.confusion, strict=True)
    ]
    return "\n".join([head, rule, *body])
