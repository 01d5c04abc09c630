"""Share of items without a label, overall and per group (e.g. per vendor category)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dq_pipelines.stats.confident_learning import plural

NO_GROUP = "(no group)"  # the group name of rows whose group column is empty


@dataclass(frozen=True)
class GroupMissing:
    """Items of one group and how many of them have no label."""

    group: str
    n_items: int
    n_missing: int

    @property
    def missing_share(self) -> float:
        return self.n_missing / self.n_items if self.n_items else 0.0


@dataclass(frozen=True)
class MissingLabelsResult:
    """Missing labels overall and per group; `groups` is ordered worst (highest share) first."""

    n_items: int
    n_missing: int
    groups: tuple[GroupMissing, ...]

    @property
    def missing_share(self) -> float:
        return self.n_missing / self.n_items if self.n_items else 0.0

    @property
    def worst_group(self) -> GroupMissing | None:
        return self.groups[0] if self.groups else None

    @property
    def per_group_share(self) -> dict[str, float]:
        return {g.group: g.missing_share for g in self.groups}

    def summary(self) -> str:
        if self.n_items == 0:
            return "no items"
        text = f"{plural(self.n_missing, 'item')} of {self.n_items:,} without a label "
        text += f"({self.missing_share:.1%})"
        worst = self.worst_group
        if worst is not None and worst.n_missing:
            text += (
                f"; worst group '{worst.group}': {worst.n_missing:,} of {worst.n_items:,} "
                f"({worst.missing_share:.1%})"
            )
        return text


def is_missing_label(labels: pd.Series) -> pd.Series:
    """True where a label is null or blank (an empty or whitespace-only string)."""
    blank = labels.astype("string").str.strip().eq("").fillna(False).astype(bool)
    return labels.isna() | blank


def missing_labels(
    frame: pd.DataFrame, label: str, group: str | None = None
) -> MissingLabelsResult:
    """Count items without a label, overall and (with `group`) per group.

    Rows whose group is empty form the group `NO_GROUP`. Groups are ordered by missing share
    (highest first), then by name, so the result is deterministic. An empty frame gives zero
    counts and no groups. Raises ValueError if a column is missing.
    """
    for column in (label, group):
        if column is not None and column not in frame:
            raise ValueError(f"column {column!r} not in the frame")
    missing = is_missing_label(frame[label])
    groups: tuple[GroupMissing, ...] = ()
    if group is not None and len(frame):
        keys = frame[group].astype("string").fillna(NO_GROUP)
        counts = missing.groupby(keys, sort=True).agg(["size", "sum"])
        found = [
            GroupMissing(str(name), int(row["size"]), int(row["sum"]))
            for name, row in counts.iterrows()
        ]
        groups = tuple(sorted(found, key=lambda g: (-g.missing_share, g.group)))
    return MissingLabelsResult(n_items=len(frame), n_missing=int(missing.sum()), groups=groups)
