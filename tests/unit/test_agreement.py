"""Annotator agreement: alpha and kappa against published values, a rogue annotator named, ties."""

import numpy as np
import pandas as pd
import pytest

from dq_pipelines.stats.agreement import annotator_agreement

# Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), section C: four observers,
# twelve units, missing values ("."); the paper gives nominal alpha = 0.743. Unit 12 has a single
# value, so it is not pairable and does not count.
KRIPPENDORFF_2011 = {
    "A": "1 2 3 3 2 1 4 1 2 . . .",
    "B": "1 2 3 3 2 2 4 1 2 5 . 3",
    "C": ". 3 3 3 2 3 4 2 2 5 1 .",
    "D": "1 2 3 3 2 4 4 1 2 5 1 .",
}
# Fleiss (1971) as worked on Wikipedia's "Fleiss' kappa" page: 10 subjects, 14 raters each,
# counts per category 1..5; kappa = 0.210 (P_bar = 0.378, P_e = 0.213).
FLEISS_WIKIPEDIA = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]  # fmt: skip


def _long(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


def test_krippendorff_alpha_matches_the_published_example():
    rows = [
        (f"u{unit:02d}", observer, value)
        for observer, values in KRIPPENDORFF_2011.items()
        for unit, value in enumerate(values.split(), start=1)
        if value != "."
    ]
    result = annotator_agreement(_long(rows))
    assert result.krippendorff_alpha == pytest.approx(0.743, abs=5e-4)
    assert result.fleiss_kappa is None  # items have 1 to 4 ratings
    assert (result.n_items, result.n_annotators, result.n_ratings) == (12, 4, 41)


def test_fleiss_kappa_matches_the_published_example():
    rows = []
    for subject, counts in enumerate(FLEISS_WIKIPEDIA):
        labels = np.repeat([f"c{j}" for j in range(1, 6)], counts)
        rows += [(f"s{subject}", f"r{r:02d}", str(label)) for r, label in enumerate(labels)]
    result = annotator_agreement(_long(rows))
    assert result.fleiss_kappa == pytest.approx(0.210, abs=5e-4)
    assert result.krippendorff_alpha is not None


def test_tiny_example_computed_by_hand():
    # Two items, two raters each: x=(a, a), y=(a, b). Fleiss: P_x = 1, P_y = 0, P_bar = 0.5;
    # p_a = 3/4, p_b = 1/4, P_e = 10/16; kappa = (0.5 - 0.625) / 0.375 = -1/3.
    # Krippendorff: n = 4, n_a = 3, n_b = 1; D_o = (4 - 2) / 1 = 2 from y; D_e = 16 - 10 = 6;
    # alpha = 1 - 3 * 2 / 6 = 0.
    result = annotator_agreement(_long([("x", "p", "a"), ("x", "q", "a"), ("y", "p", "a"),
                                        ("y", "q", "b")]))  # fmt: skip
    assert result.fleiss_kappa == pytest.approx(-1 / 3)
    assert result.krippendorff_alpha == pytest.approx(0.0)
    # Perfect agreement on two values is alpha = kappa = 1; a single value leaves both undefined.
    perfect = annotator_agreement(_long([("x", "p", "a"), ("x", "q", "a"), ("y", "p", "b"),
                                         ("y", "q", "b")]))  # fmt: skip
    assert perfect.krippendorff_alpha == pytest.approx(1.0) and perfect.fleiss_kappa == 1.0
    same = annotator_agreement(_long([("x", "p", "a"), ("x", "q", "a")]))
    assert same.krippendorff_alpha is None and same.fleiss_kappa is None


def _rogue_delivery(n_items: int = 400, seed: int = 3) -> pd.DataFrame:
    """Five annotators, three per item, 3% honest noise; ann_04 labels at random."""
    rng = np.random.default_rng(seed)
    classes = np.array(["chairs", "desks", "lamps", "sofas", "rugs"])
    rows = []
    for item in range(n_items):
        truth = rng.integers(len(classes))
        for annotator in sorted(rng.choice(5, 3, replace=False)):
            label = truth if rng.random() > 0.03 else rng.integers(len(classes))
            if annotator == 4:
                label = rng.integers(len(classes))
            rows.append((f"P{item:04d}", f"ann_{annotator:02d}", str(classes[label])))
    return _long(rows)


def test_a_rogue_annotator_stands_out_by_name():
    result = annotator_agreement(_rogue_delivery())
    worst, *others = result.annotators
    assert worst.annotator == "ann_04" and worst.agreement < 0.4, worst
    # An honest annotator paired with the rogue sees a tie among the others half the time,
    # resolved alphabetically: about 80% agreement, far above the rogue's ~25%.
    assert all(a.agreement > 0.7 for a in others), others
    assert worst.n_compared == worst.n_items  # ties among the other two resolved, not dropped
    assert "least agreeing 'ann_04'" in result.summary()
    assert 200 <= worst.n_items <= 280  # about 3/5 of 400 items
    # Dropping ties compares honest annotators only where the others agree: near 100%.
    dropped = annotator_agreement(_rogue_delivery(), tie_rule="drop")
    worst, *others = dropped.annotators
    assert worst.annotator == "ann_04" and worst.agreement < 0.4, worst
    assert all(a.agreement > 0.9 for a in others), others


def test_majority_ties_are_counted_and_resolved_by_the_declared_rule():
    rows = [
        ("t1", "p", "b"), ("t1", "q", "a"),  # tie a/b
        ("t2", "p", "c"), ("t2", "q", "c"), ("t2", "r", "a"),  # majority c
        ("t3", "p", "b"), ("t3", "q", "c"), ("t3", "r", "a"),  # three-way tie
    ]  # fmt: skip
    first = annotator_agreement(_long(rows), tie_rule="first_alphabetical")
    assert first.majority.n_ties == 2 and first.majority.tie_rule == "first_alphabetical"
    assert first.majority.labels == {"t1": "a", "t2": "c", "t3": "a"}
    assert "2 ties in 3 items, resolved to the first label alphabetically" in first.summary()
    dropped = annotator_agreement(_long(rows), tie_rule="drop")
    assert dropped.majority.n_ties == 2 and dropped.majority.labels == {"t2": "c"}
    # Leave one out: on t2, r is compared with (c, c) and disagrees; on t3, r's others (b, c)
    # tie and are dropped. p meets a single other on t1 (a: compared, disagrees) and tied
    # others on t2 (c, a) and t3 (c, a).
    by_name = {a.annotator: a for a in dropped.annotators}
    assert (by_name["r"].n_items, by_name["r"].n_compared, by_name["r"].n_agree) == (2, 1, 0)
    assert (by_name["p"].n_items, by_name["p"].n_compared, by_name["p"].n_agree) == (3, 1, 0)
    # Resolved alphabetically instead, every rating is compared: p's others on t2 and t3 are
    # (c, a) -> a, r's on t3 (b, c) -> b; nobody matches the others' majority anywhere.
    by_name = {a.annotator: a for a in first.annotators}
    assert [(a, by_name[a].n_compared, by_name[a].n_agree) for a in "pqr"] == [
        ("p", 3, 0),
        ("q", 3, 0),
        ("r", 2, 0),
    ]
    with pytest.raises(ValueError, match="tie_rule"):
        annotator_agreement(_long(rows), tie_rule="coin")


def test_empty_and_missing_labels():
    empty = annotator_agreement(_long([]))
    assert empty.n_ratings == 0 and empty.krippendorff_alpha is None and empty.annotators == ()
    assert empty.summary() == "no ratings"
    one_missing = annotator_agreement(_long([("x", "p", "a"), ("x", "q", None)]))
    assert one_missing.n_ratings == 1
    with pytest.raises(ValueError, match="not in the frame"):
        annotator_agreement(pd.DataFrame({"item_id": []}))
