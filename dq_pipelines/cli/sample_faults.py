"""Data-quality faults a sample delivery can carry, and which rows get them."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from dq_pipelines.cli.sample_vocabulary import SOURCES

_ROW_FAULTS = ("null_titles", "bad_prices", "duplicate_ids", "unknown_categories")


@dataclass(frozen=True)
class Faults:
    """Data-quality faults to inject; shares are of catalog rows (or products, for labels)."""

    null_titles: float = 0.0
    bad_prices: float = 0.0
    duplicate_ids: float = 0.0
    unknown_categories: float = 0.0
    flipped_labels: float = 0.0
    epoch_dates: bool = False
    late_sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in (*_ROW_FAULTS, "flipped_labels"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"Faults.{name} must be a share between 0 and 1")
        if sum(getattr(self, name) for name in _ROW_FAULTS) > 1:
            raise ValueError("catalog fault shares add up to more than all rows")
        if unknown := set(self.late_sources) - set(SOURCES):
            raise ValueError(f"unknown late_sources {sorted(unknown)}; expected some of {SOURCES}")

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
