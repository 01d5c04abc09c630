"""Data-quality faults a sample delivery can carry, and which rows get them.

Every fault is off by default and can be injected alone; each is placed by its own random stream
(seed, delivery date), so a delivery without the newer faults is byte-identical to one written
before they existed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from dq_pipelines.cli.sample_vocabulary import CATEGORIES, CONFUSABLE, ROGUE_SHARE, SOURCES

# Disjoint catalog row faults, chosen together (a row carries at most one of them).
_ROW_FAULTS = (
    "null_titles", "bad_prices", "duplicate_ids", "unknown_categories", "pii_in_descriptions",
)  # fmt: skip
_SHARES = (
    *_ROW_FAULTS, "flipped_labels", "class_flipped_labels", "missing_labels", "drift",
    "serving_missing_description", "serving_short_titles", "ctr_drop",
)  # fmt: skip


@dataclass(frozen=True)
class Faults:
    """Data-quality faults to inject; shares are of catalog rows (or products, for labels).

    Labels (each product has three annotators; training takes the majority):
    - flipped_labels: that share of products, drawn uniformly, get a majority label that is
      wrong: two of the three annotators agree on the same wrong category (drawn uniformly from
      the other seven), the third keeps the true one.
    - class_flipped_labels: in each category, that share of its products gets the majority label
      CONFUSABLE[category] (e.g. lamps labelled desks), shaped as above.
    - rogue_annotator: ROGUE_ANNOTATOR takes one of the three places on ROGUE_SHARE of the
      products and labels at random; the other two annotators of those products are right.
    - missing_labels_category: products of that (true) category get no label rows at all;
      missing_labels: that share of the other products neither.
    Label faults touch disjoint products (uniform flips first, then class flips, missing labels,
    the rogue annotator); missing_labels_category wins over all of them.

    drift: a strength in [0, 1] (0 is off): the category mix, the prices and the title words of
    the catalog and the inference requests shift (sample_vocabulary.DRIFT_*).
    pii_in_descriptions: share of catalog descriptions ending with the seller's e-mail address
    or phone number. serving_missing_description / serving_short_titles: share of inference
    requests whose description is empty / whose title is cut to its first word.
    ctr_drop: relative fall of every click probability in the feedback (0.5 halves the CTR at
    every rank; thumbs up follow the clicks), as a broken ranking or search page would cause.
    """

    null_titles: float = 0.0
    bad_prices: float = 0.0
    duplicate_ids: float = 0.0
    unknown_categories: float = 0.0
    flipped_labels: float = 0.0
    epoch_dates: bool = False
    late_sources: tuple[str, ...] = ()
    class_flipped_labels: float = 0.0
    rogue_annotator: bool = False
    missing_labels: float = 0.0
    missing_labels_category: str | None = None
    drift: float = 0.0
    pii_in_descriptions: float = 0.0
    serving_missing_description: float = 0.0
    serving_short_titles: float = 0.0
    ctr_drop: float = 0.0

    def __post_init__(self) -> None:
        for name in _SHARES:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"Faults.{name} must be a share between 0 and 1")
        if sum(getattr(self, name) for name in _ROW_FAULTS) > 1:
            raise ValueError("catalog fault shares add up to more than all rows")
        if unknown := set(self.late_sources) - set(SOURCES):
            raise ValueError(f"unknown late_sources {sorted(unknown)}; expected some of {SOURCES}")
        if self.missing_labels_category not in (None, *CATEGORIES):
            raise ValueError(
                f"unknown missing_labels_category '{self.missing_labels_category}'; "
                f"expected one of {', '.join(CATEGORIES)}"
            )

    @classmethod
    def demo_faulty(cls) -> Faults:
        """A bad delivery that trips most checks at once (all sources still on time)."""
        return cls(null_titles=0.05, bad_prices=0.03, duplicate_ids=0.02,
                   unknown_categories=0.03, flipped_labels=0.15, epoch_dates=True)  # fmt: skip

    def __str__(self) -> str:
        on = [f"{f.name}={getattr(self, f.name)}" for f in fields(self) if getattr(self, f.name)]
        return ", ".join(on) or "no faults"


def choose_faulty_rows(n: int, faults: Faults, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Disjoint sorted row indices per catalog fault, exactly round(share * n) each."""
    counts = {name: round(getattr(faults, name) * n) for name in _ROW_FAULTS}
    if sum(counts.values()) > n:
        raise ValueError("catalog fault shares add up to more than all rows")
    picked, chosen = rng.choice(n, sum(counts.values()), replace=False), {}
    for name, k in counts.items():
        chosen[name], picked = np.sort(picked[:k]), picked[k:]
    return chosen


@dataclass(frozen=True)
class LabelFaults:
    """Sorted product indices per label fault (disjoint but for `missing`, which wins)."""

    flipped: np.ndarray
    class_flipped: np.ndarray
    rogue: np.ndarray
    missing: np.ndarray


def choose_label_faults(
    cats: np.ndarray, faults: Faults, flips_rng: np.random.Generator, rng: np.random.Generator
) -> LabelFaults:
    """Which products each label fault touches; class flips are round(share * n_class) per class.

    flips_rng draws the uniform flips exactly as before the other label faults existed.
    """
    n = len(cats)
    flipped = np.sort(flips_rng.choice(n, round(faults.flipped_labels * n), False))
    free = np.ones(n, dtype=bool)
    free[flipped] = False
    class_flipped = []
    for code in range(len(CATEGORIES)):
        members = np.flatnonzero(cats == code)
        k = round(faults.class_flipped_labels * len(members))
        candidates = members[free[members]]
        class_flipped.append(rng.choice(candidates, min(k, len(candidates)), False))
    class_flipped = np.sort(np.concatenate(class_flipped)).astype(np.int64)
    free[class_flipped] = False
    lost = np.zeros(n, dtype=bool)
    if faults.missing_labels_category is not None:
        lost[cats == CATEGORIES.index(faults.missing_labels_category)] = True
    candidates = np.flatnonzero(free & ~lost)
    k = min(round(faults.missing_labels * n), len(candidates))
    lost[rng.choice(candidates, k, False)] = True
    free &= ~lost
    candidates = np.flatnonzero(free)
    k = min(round(ROGUE_SHARE * n), len(candidates)) if faults.rogue_annotator else 0
    rogue = np.sort(rng.choice(candidates, k, False))
    return LabelFaults(flipped, class_flipped, rogue, np.flatnonzero(lost))


def confusable_codes() -> np.ndarray:
    """CONFUSABLE as category codes: confusable_codes()[code] is the code it is mistaken for."""
    return np.array([CATEGORIES.index(CONFUSABLE[c]) for c in CATEGORIES], dtype=np.int64)
