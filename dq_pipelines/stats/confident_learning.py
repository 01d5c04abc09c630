"""Confident learning (Northcutt, Jiang and Chuang, "Confident Learning: Estimating Uncertainty
in Dataset Labels", JAIR 70, 2021), implemented from the paper.

Given each item's label and out-of-sample predicted probabilities (proxy_model.py makes them):

1. per-class threshold t_j = mean probability of class j over the items labelled j;
2. confident joint C[i][j]: items labelled i whose probability of j reaches t_j (the most
   probable such j when several do), counted; then calibrated so row i sums to the number of
   items labelled i;
3. joint Q = C / n: Q[i][j] estimates the share of items labelled i whose true class is j, so
   the estimated label-error rate is the off-diagonal mass, and per given class i the noise is
   1 - Q[i][i] / sum_j Q[i][j];
4. prune by noise rate: for each pair i != j, flag the round(n Q[i][j]) items labelled i with
   the largest margin p_j - p_i. An item the model predicts as its given label is never flagged,
   and at least one item of each given class is kept (a class of one item is never flagged).

Deterministic: ties are broken by item position (stable sorts).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np


def plural(n: int, noun: str) -> str:
    """'1 item', '2,000 items'."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


@dataclass(frozen=True)
class LabelIssue:
    """One suspicious item: its given label, the proxy model's suggestion and both confidences."""

    item: Hashable  # the id (or row position) of the item
    given_label: str
    suggested_label: str
    given_label_confidence: float  # out-of-sample probability of the given label (ranking key)
    suggested_label_confidence: float


@dataclass(frozen=True)
class LabelAuditResult:
    """What confident learning concluded about a set of labelled items.

    `flagged` is ranked by `given_label_confidence`, lowest (most suspicious) first.
    `noise_per_class` maps each given label to the estimated share of its items whose true class
    is another one.
    """

    n_items: int
    n_classes: int
    estimated_error_rate: float
    n_flagged: int
    noise_per_class: dict[str, float]
    flagged: tuple[LabelIssue, ...]
    n_excluded: int = 0  # items a person marked correct, never flagged

    @property
    def flagged_share(self) -> float:
        return self.n_flagged / self.n_items if self.n_items else 0.0

    def summary(self) -> str:
        if self.n_items == 0:
            return "no labelled items to audit"
        worst = max(self.noise_per_class.items(), key=lambda kv: (kv[1], kv[0]), default=None)
        text = (
            f"estimated label-error rate {self.estimated_error_rate:.1%} over "
            f"{plural(self.n_items, 'item')}; {plural(self.n_flagged, 'item')} flagged"
        )
        if worst is not None and worst[1] > 0:
            text += f"; noisiest class '{worst[0]}' ({worst[1]:.1%})"
        if self.flagged:
            top = self.flagged[0]
            text += (
                f"; most suspicious {top.item!r}: '{top.given_label}' "
                f"(p={top.given_label_confidence:.2f}), likely '{top.suggested_label}'"
            )
        return text


def empty_audit() -> LabelAuditResult:
    """The defined result of auditing no items: nothing estimated, nothing flagged."""
    return LabelAuditResult(0, 0, 0.0, 0, {}, ())


def _thresholds(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Mean self-confidence per class; a class nobody was given gets 1 (never confident)."""
    k = probs.shape[1]
    counts = np.bincount(labels, minlength=k)
    sums = np.zeros(k)
    np.add.at(sums, labels, probs[np.arange(len(labels)), labels])
    return np.where(counts > 0, sums / np.maximum(counts, 1), 1.0)


def confident_joint(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """The calibrated confident joint (K x K floats; row i sums to the count of label i)."""
    k = probs.shape[1]
    # Tiny slack so an item exactly at the threshold counts despite float rounding.
    above = probs >= _thresholds(labels, probs) - 1e-9
    masked = np.where(above, probs, -1.0)
    confident = above.any(axis=1)
    true_guess = masked.argmax(axis=1)
    raw = np.zeros((k, k))
    np.add.at(raw, (labels[confident], true_guess[confident]), 1.0)
    counts = np.bincount(labels, minlength=k).astype(float)
    row_sums = raw.sum(axis=1)
    # A class with items but no confident count keeps them all on its diagonal.
    raw[np.diag(row_sums == 0) & (counts > 0)[:, None]] = 1.0
    row_sums = raw.sum(axis=1, keepdims=True)
    return np.divide(raw * counts[:, None], row_sums, out=np.zeros_like(raw), where=row_sums > 0)


def _prune_by_noise_rate(labels: np.ndarray, probs: np.ndarray, joint: np.ndarray) -> np.ndarray:
    """Flagged items: per (given i, true j), the round(C[i][j]) largest margins p_j - p_i."""
    k = probs.shape[1]
    flagged = np.zeros(len(labels), dtype=bool)
    for i in range(k):
        members = np.flatnonzero(labels == i)
        to_remove = np.rint(joint[i]).astype(np.int64)
        to_remove[i] = 0
        budget = max(len(members) - 1, 0)  # keep at least one item of each given class
        if to_remove.sum() > budget:
            to_remove = np.floor(to_remove * budget / to_remove.sum()).astype(np.int64)
        for j in np.flatnonzero(to_remove):
            margin = probs[members, j] - probs[members, i]
            order = np.argsort(-margin, kind="stable")
            flagged[members[order[: to_remove[j]]]] = True
    flagged &= probs.argmax(axis=1) != labels
    return flagged


def _encode(labels: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    position = {c: i for i, c in enumerate(classes)}
    unknown = sorted({str(label) for label in labels} - set(position))
    if unknown:
        raise ValueError(f"labels {unknown[:5]} are not among the classes of pred_probs")
    return np.array([position[label] for label in labels], dtype=np.int64)


def _ranked_issues(
    mask: np.ndarray,
    codes: np.ndarray,
    probs: np.ndarray,
    classes: Sequence[str],
    names: Sequence[Hashable | None],
) -> tuple[LabelIssue, ...]:
    """The flagged items whose name is not None, lowest given-label confidence first."""
    self_conf = probs[np.arange(len(codes)), codes]
    suggested = probs.argmax(axis=1)
    rows = sorted((r for r in np.flatnonzero(mask) if names[r] is not None),
                  key=lambda r: (self_conf[r], r))  # fmt: skip
    return tuple(
        LabelIssue(
            item=to_plain(names[r]),
            given_label=str(classes[codes[r]]),
            suggested_label=str(classes[suggested[r]]),
            given_label_confidence=float(self_conf[r]),
            suggested_label_confidence=float(probs[r, suggested[r]]),
        )
        for r in rows
    )


def find_label_issues(
    labels: Sequence[str],
    pred_probs: np.ndarray,
    classes: Sequence[str],
    *,
    items: Sequence[Hashable] | None = None,
    exclude: Iterable[Hashable] = (),
) -> LabelAuditResult:
    """Confident learning on given labels and out-of-sample probabilities (columns = `classes`).

    `items` names each row (default: its position); items in `exclude` (a person marked them
    correct) are never flagged but still count in the estimates. Empty input returns
    `empty_audit()`; a single class yields no flags. Raises ValueError on mismatched shapes or a
    label that is not one of `classes`.
    """
    probs = np.asarray(pred_probs, dtype=float)
    n = len(labels)
    if probs.ndim != 2 or probs.shape != (n, len(classes)):
        raise ValueError(f"pred_probs shape {probs.shape} != ({n}, {len(classes)} classes)")
    names = list(range(n)) if items is None else list(items)
    if len(names) != n:
        raise ValueError(f"{len(names)} item ids for {n} labels")
    if n == 0:
        return empty_audit()
    codes = _encode([str(label) for label in labels], [str(c) for c in classes])
    joint = confident_joint(codes, probs)
    off_diagonal = joint.sum() - np.trace(joint)
    present = np.flatnonzero(np.bincount(codes, minlength=len(classes)))
    noise = {
        str(classes[i]): float(1 - joint[i, i] / joint[i].sum()) if joint[i].sum() else 0.0
        for i in present
    }
    excluded = set(exclude)
    flagged = _ranked_issues(_prune_by_noise_rate(codes, probs, joint), codes, probs, classes,
                             [None if name in excluded else name for name in names])  # fmt: skip
    n_excluded = sum(1 for name in names if name in excluded)
    return LabelAuditResult(
        n_items=n,
        n_classes=len(present),
        estimated_error_rate=float(off_diagonal / n),
        n_flagged=len(flagged),
        noise_per_class=noise,
        flagged=flagged,
        n_excluded=n_excluded,
    )


def to_plain(value: Hashable) -> Hashable:
    """numpy scalars to their Python equivalent (the result must hold plain Python values)."""
    return value.item() if isinstance(value, np.generic) else value
