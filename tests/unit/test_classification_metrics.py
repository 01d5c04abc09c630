"""Classifier metrics: hand-computed values, agreement with scikit-learn, and bad input."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, recall_score

from dq_pipelines.stats.classification_metrics import classification_metrics

TRUE = ["a", "a", "a", "b", "b", "c"]
PRED = ["a", "a", "b", "b", "c", "c"]


def test_hand_computed_values():
    m = classification_metrics(TRUE, PRED)
    assert m.classes == ("a", "b", "c") and m.n == 6
    assert m.confusion == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert m.accuracy == pytest.approx(4 / 6)
    assert m.recall_per_class == pytest.approx({"a": 2 / 3, "b": 1 / 2, "c": 1.0})
    # F1: a = 2 * 1 * 2/3 / (1 + 2/3) = 0.8, b = 0.5, c = 2 * 0.5 * 1 / 1.5 = 2/3
    assert m.macro_f1 == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert isinstance(m.confusion[0][0], int)


def test_a_declared_class_missing_from_the_holdout_stays_in_the_matrix_with_zero_recall():
    m = classification_metrics(TRUE, PRED, classes=["d", "c", "b", "a"])
    assert m.classes == ("a", "b", "c", "d")
    assert m.confusion[3] == [0, 0, 0, 0] and m.recall_per_class["d"] == 0.0
    assert m.macro_f1 == pytest.approx((0.8 + 0.5 + 2 / 3 + 0.0) / 4)


def test_agrees_with_scikit_learn_on_random_predictions():
    rng = np.random.default_rng(3)
    labels = np.array(["chairs", "desks", "lamps", "sofas", "rugs"])
    true = labels[rng.integers(0, 5, 500)]
    pred = np.where(rng.random(500) < 0.7, true, labels[rng.integers(0, 4, 500)])
    m = classification_metrics(true.tolist(), pred.tolist())
    names = sorted(labels)
    assert m.accuracy == pytest.approx(accuracy_score(true, pred))
    assert m.macro_f1 == pytest.approx(f1_score(true, pred, average="macro", zero_division=0))
    recalls = recall_score(true, pred, labels=names, average=None, zero_division=0)
    assert list(m.recall_per_class.values()) == pytest.approx(list(recalls))
    assert m.confusion == confusion_matrix(true, pred, labels=names).tolist()


@pytest.mark.parametrize(
    ("true", "pred", "classes", "said"),
    [
        (["a"], ["a", "b"], None, "differ in length"),
        ([], [], None, "no predictions"),
        (["a", "x"], ["a", "a"], ["a", "b"], "labels ['x'] are not among the classes"),
    ],
)
def test_bad_input_is_refused(true, pred, classes, said):
    with pytest.raises(ValueError, match=said.replace("[", r"\[").replace("]", r"\]")):
        classification_metrics(true, pred, classes)
