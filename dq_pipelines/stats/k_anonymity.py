"""k-anonymity of a training set over its declared quasi-identifier columns.

`k_anonymity(df, quasi_identifiers, k)`: rows grouped by their quasi-identifier values; a null is
a value of its own (all rows with a null postcode and the same other values form one group), as
an attacker can read "unknown" as well as any other value. The group values themselves are not
reported: they are what would single a person out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class KAnonymityResult:
    """Group sizes over the quasi-identifiers, judged against k."""

    k: int
    quasi_identifiers: tuple[str, ...]
    rows: int
    groups: int
    smallest_group: int
    groups_below_k: int
    rows_below_k: int

    @property
    def passed(self) -> bool:
        return self.groups_below_k == 0

    @property
    def share_below_k(self) -> float:
        return self.rows_below_k / self.rows if self.rows else 0.0

    def summary(self) -> str:
        over = ", ".join(self.quasi_identifiers)
        if self.passed:
            return (
                f"{self.k}-anonymous over ({over}): {self.groups} groups, the smallest of "
                f"{self.smallest_group} rows"
            )
        return (
            f"not {self.k}-anonymous over ({over}): smallest group {self.smallest_group} rows; "
            f"{self.rows_below_k} of {self.rows} rows ({self.share_below_k:.1%}) in "
            f"{self.groups_below_k} of {self.groups} groups below {self.k}"
        )

    def metadata(self) -> dict[str, float | int | list[str]]:
        return {
            "k": self.k,
            "quasi_identifiers": list(self.quasi_identifiers),
            "rows": self.rows,
            "groups": self.groups,
            "smallest_group": self.smallest_group,
            "groups_below_k": self.groups_below_k,
            "rows_below_k": self.rows_below_k,
            "share_below_k": self.share_below_k,
        }


def k_anonymity(df: pd.DataFrame, quasi_identifiers: Sequence[str], k: int) -> KAnonymityResult:
    """Group `df` by `quasi_identifiers` (nulls as a value) and count the groups smaller than k."""
    if not quasi_identifiers:
        raise ValueError("k-anonymity needs at least one quasi-identifier column")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a whole number of at least 1, got {k!r}")
    missing = [c for c in quasi_identifiers if c not in df.columns]
    if missing:
        raise ValueError(f"quasi-identifier columns not in the frame: {missing}")
    # observed=True: a categorical column must not add empty groups for combinations never seen.
    grouped = df.groupby(list(quasi_identifiers), dropna=False, sort=False, observed=True)
    sizes = grouped.size()
    small = sizes[sizes < k]
    return KAnonymityResult(
        k=k,
        quasi_identifiers=tuple(quasi_identifiers),
        rows=len(df),
        groups=len(sizes),
        smallest_group=int(sizes.min()) if len(sizes) else 0,
        groups_below_k=len(small),
        rows_below_k=int(small.sum()),
    )
