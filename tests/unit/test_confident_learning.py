"""Confident learning finds injected label flips, passes clean data and respects `exclude`."""

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dq_pipelines import stats
from dq_pipelines.stats.confident_learning import confident_joint, empty_audit, find_label_issues
from dq_pipelines.stats.missing_labels import NO_GROUP, missing_labels
from dq_pipelines.stats.proxy_model import audit_labels, cross_val_pred_probs

CLASSES = ("chairs", "desks", "lamps", "rugs")
WORDS = {
    "chairs": "office chair swivel armrests seat mesh",
    "desks": "standing desk drawers monitor walnut writing",
    "lamps": "floor lamp bulb shade dimmable light",
    "rugs": "area rug wool pile runner washable",
}


def _blobs(n: int, seed: int = 0) -> pd.DataFrame:
    """Four well separated Gaussian classes in 5 dimensions (a proxy model gets ~100% right)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, len(CLASSES), n)
    centers = rng.normal(0, 4, (len(CLASSES), 5))
    x = centers[truth] + rng.normal(0, 1, (n, 5))
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(5)])
    frame["label"] = np.array(CLASSES)[truth]
    frame["item_id"] = [f"P{i:05d}" for i in range(n)]
    return frame


def _texts(n: int, seed: int = 0) -> pd.DataFrame:
    """Product-like titles: three words of the class's vocabulary and one shared word."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, len(CLASSES), n)
    shared = ["modern", "classic", "oak", "compact"]
    titles = [
        " ".join([*rng.choice(WORDS[CLASSES[t]].split(), 3, replace=False), rng.choice(shared)])
        for t in truth
    ]
    return pd.DataFrame({"item_id": range(n), "title": titles, "label": np.array(CLASSES)[truth]})


def _flip(frame: pd.DataFrame, share: float, seed: int = 1) -> tuple[pd.DataFrame, set]:
    """Give `share` of the items another (random) class; returns the frame and the flipped ids."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(frame), round(share * len(frame)), replace=False)
    flipped = frame.copy()
    codes = flipped["label"].map(CLASSES.index).to_numpy()
    codes[rows] = (codes[rows] + rng.integers(1, len(CLASSES), len(rows))) % len(CLASSES)
    flipped["label"] = np.array(CLASSES)[codes]
    return flipped, set(flipped["item_id"].iloc[rows])


def _precision_recall(found: set, truth: set) -> tuple[float, float]:
    hits = len(found & truth)
    return hits / max(len(found), 1), hits / max(len(truth), 1)


NUMERIC = [f"x{i}" for i in range(5)]


@pytest.mark.parametrize("make, features", [(_blobs, NUMERIC), (_texts, ["title"])])
def test_audit_finds_injected_flips(make, features):
    noisy, truth = _flip(make(1000), 0.10)
    result = audit_labels(noisy, features, "label", id_column="item_id")
    precision, recall = _precision_recall({f.item for f in result.flagged}, truth)
    assert precision >= 0.85 and recall >= 0.85, (precision, recall, result.summary())
    assert 0.07 <= result.estimated_error_rate <= 0.13, result.summary()
    assert result.n_items == 1000 and result.n_flagged == len(result.flagged)
    confidences = [f.given_label_confidence for f in result.flagged]
    assert confidences == sorted(confidences)  # most suspicious first
    assert all(f.suggested_label != f.given_label for f in result.flagged)
    assert isinstance(result.estimated_error_rate, float)
    assert all(type(v) is float for v in result.noise_per_class.values())


def test_audit_passes_clean_data():
    result = audit_labels(_blobs(1000), NUMERIC, "label", id_column="item_id")
    assert result.n_flagged <= 5, result.summary()
    assert result.estimated_error_rate < 0.01


def test_audit_never_flags_excluded_items_and_is_deterministic():
    noisy, _ = _flip(_blobs(600), 0.10)
    features = NUMERIC
    first = audit_labels(noisy, features, "label", id_column="item_id")
    reviewed = {f.item for f in first.flagged[:10]}
    second = audit_labels(noisy, features, "label", id_column="item_id", exclude=reviewed)
    assert not reviewed & {f.item for f in second.flagged}
    assert second.n_flagged == first.n_flagged - 10 and second.n_excluded == 10
    assert audit_labels(noisy, features, "label", id_column="item_id") == first


def test_find_label_issues_on_hand_made_probabilities():
    # Labels a,a,a,b,b,b; item 2 is labelled a but the model is sure it is b.
    labels = ["a", "a", "a", "b", "b", "b"]
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8], [0.1, 0.9], [0.3, 0.7]])
    # Thresholds: t_a = mean(.9, .8, .1) = .6, t_b = mean(.8, .9, .7) = .8, so item 2 counts in
    # C[a][b] and every other item on the diagonal: one of six labels is wrong.
    joint = confident_joint(np.array([0, 0, 0, 1, 1, 1]), probs)
    assert joint.tolist() == [[2.0, 1.0], [0.0, 3.0]]
    result = find_label_issues(labels, probs, ["a", "b"], items=list("uvwxyz"))
    assert [(f.item, f.given_label, f.suggested_label) for f in result.flagged] == [("w", "a", "b")]
    assert result.flagged[0].given_label_confidence == pytest.approx(0.1)
    assert result.estimated_error_rate == pytest.approx(1 / 6)
    assert result.noise_per_class == {"a": pytest.approx(1 / 3), "b": 0.0}
    assert "1 item flagged" in result.summary() and "'w'" in result.summary()


def test_edge_cases_empty_single_class_and_tiny_classes():
    # Empty input: a defined empty result, not an error.
    assert find_label_issues([], np.zeros((0, 2)), ["a", "b"]) == empty_audit()
    assert empty_audit().summary() == "no labelled items to audit"
    empty = audit_labels(pd.DataFrame({"x": [1.0], "label": [None]}), ["x"], "label")
    assert empty == empty_audit()
    # One class: nothing to confuse it with.
    one = pd.DataFrame({"x": [1.0, 2.0, 3.0], "label": ["a", "a", "a"]})
    result = audit_labels(one, ["x"], "label")
    assert result.n_flagged == 0 and result.estimated_error_rate == 0.0 and result.n_items == 3
    # A class of one item is never flagged (it cannot be judged out of sample); two items: at
    # most one of them.
    frame = _blobs(200)
    frame.loc[0, "label"], frame.loc[[1, 2], "label"] = "sofas", "beds"
    result = audit_labels(frame, NUMERIC, "label", id_column="item_id")
    given = [f.given_label for f in result.flagged]
    assert "sofas" not in given and given.count("beds") <= 1


def test_invalid_inputs_raise():
    with pytest.raises(ValueError, match="shape"):
        find_label_issues(["a"], np.array([[1.0]]), ["a", "b"])
    with pytest.raises(ValueError, match="not among the classes"):
        find_label_issues(["c"], np.array([[0.5, 0.5]]), ["a", "b"])
    with pytest.raises(ValueError, match="not in the frame"):
        audit_labels(pd.DataFrame({"x": [1.0]}), ["y"], "label")


def test_cross_val_probabilities_are_out_of_sample_and_complete():
    frame = _texts(300)
    pred = cross_val_pred_probs(frame, ["title"], "label", id_column="item_id", folds=3)
    assert pred.classes == CLASSES and pred.probs.shape == (300, 4)
    assert np.allclose(pred.probs.sum(axis=1), 1.0)
    assert pred.items[:3] == (0, 1, 2) and type(pred.items[0]) is int


def test_missing_labels_overall_and_worst_group():
    frame = pd.DataFrame({
        "label": ["a", None, "b", "  ", "c", None, "d", "e"],
        "category": ["lamps", "lamps", "lamps", "desks", "desks", None, "rugs", "rugs"],
    })  # fmt: skip
    result = missing_labels(frame, "label", "category")
    assert (result.n_items, result.n_missing) == (8, 3)
    assert result.worst_group.group == NO_GROUP and result.worst_group.missing_share == 1.0
    assert result.per_group_share == {NO_GROUP: 1.0, "desks": 0.5, "lamps": pytest.approx(1 / 3),
                                      "rugs": 0.0}  # fmt: skip
    assert result.summary().startswith("3 items of 8 without a label (37.5%); worst group")
    assert missing_labels(frame.iloc[:0], "label", "category").summary() == "no items"
    assert missing_labels(frame, "label").groups == ()


def test_the_package_never_imports_cleanlab():
    # cleanlab is AGPL-3.0: only the optional comparison test may import it.
    package = Path(stats.__file__).parents[1]
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in getattr(node, "names", [])] + [getattr(node, "module", "")]
            assert not any((n or "").split(".")[0] == "cleanlab" for n in names), path
