"""Agreement between annotators who labelled the same items: chance-corrected agreement over the
whole set (Krippendorff's alpha, nominal; Fleiss' kappa when every item has as many ratings),
the majority label per item with its ties, and each annotator's agreement with the majority of
the OTHER annotators on their items, so one who understood the task differently stands out.

Input: a long DataFrame with one row per (item, annotator, label). Rows with a missing label are
ignored. Both coefficients are implemented here from their definitions (Krippendorff,
"Computing Krippendorff's Alpha-Reliability", 2011; Fleiss, Psychological Bulletin 76, 1971).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from dq_pipelines.stats.confident_learning import plural, to_plain

TieRule = Literal["first_alphabetical", "drop"]
TIE_RULES: tuple[str, ...] = ("first_alphabetical", "drop")


@dataclass(frozen=True)
class AnnotatorAgreement:
    """How often one annotator's label equals the majority of the others on the same item."""

    annotator: str
    n_items: int  # items this annotator labelled
    n_compared: int  # of those, items where the others had a majority (after the tie rule)
    n_agree: int

    @property
    def agreement(self) -> float:
        return self.n_agree / self.n_compared if self.n_compared else 0.0


@dataclass(frozen=True)
class MajorityVote:
    """The majority label per item; `n_ties` items had several most frequent labels."""

    labels: dict[str, str]  # item -> majority label (tied items dropped under rule "drop")
    n_items: int
    n_ties: int
    tie_rule: str

    def summary(self) -> str:
        how = "dropped" if self.tie_rule == "drop" else "resolved to the first label alphabetically"
        return f"{plural(self.n_ties, 'tie')} in {self.n_items:,} items, {how}"


@dataclass(frozen=True)
class AgreementResult:
    """Agreement over a labelled set; `annotators` is ordered least agreeing first.

    `krippendorff_alpha` is None when no item has two ratings or only one label value occurs
    (agreement by chance is then undefined); `fleiss_kappa` is None unless every item has the
    same number (>= 2) of ratings, or when only one label value occurs.
    """

    n_items: int
    n_annotators: int
    n_ratings: int
    krippendorff_alpha: float | None
    fleiss_kappa: float | None
    majority: MajorityVote
    annotators: tuple[AnnotatorAgreement, ...]

    @property
    def least_agreeing(self) -> AnnotatorAgreement | None:
        return next((a for a in self.annotators if a.n_compared), None)

    def summary(self) -> str:
        if self.n_ratings == 0:
            return "no ratings"
        alpha = "undefined" if self.krippendorff_alpha is None else f"{self.krippendorff_alpha:.3f}"
        text = (
            f"Krippendorff's alpha {alpha} over {plural(self.n_items, 'item')} and "
            f"{plural(self.n_annotators, 'annotator')}"
        )
        if self.fleiss_kappa is not None:
            text += f", Fleiss' kappa {self.fleiss_kappa:.3f}"
        worst = self.least_agreeing
        if worst is not None:
            text += (
                f"; least agreeing '{worst.annotator}': {worst.agreement:.1%} with the others' "
                f"majority on {plural(worst.n_compared, 'item')}"
            )
        return f"{text}; {self.majority.summary()}"


def _counts(ratings: pd.DataFrame) -> pd.DataFrame:
    """Per (item, label): how many ratings; with m = the item's number of ratings."""
    counts = ratings.groupby(["item", "label"], sort=True).size().rename("n").reset_index()
    counts["m"] = counts.groupby("item")["n"].transform("sum")
    return counts


def krippendorff_alpha_nominal(counts: pd.DataFrame) -> float | None:
    """alpha = 1 - (n - 1) * D_o / D_e over items with at least two ratings (pairable values).

    With n_uc ratings of value c on item u (m_u in all), the coincidences off the diagonal sum
    to D_o = sum_u (m_u^2 - sum_c n_uc^2) / (m_u - 1); with n_c = sum_u n_uc and n = sum_c n_c,
    the expected ones to D_e = n^2 - sum_c n_c^2.
    """
    pairable = counts[counts["m"] >= 2]
    per_item = (
        pairable.assign(sq=pairable["n"] ** 2)
        .groupby("item")
        .agg(m=("m", "first"), sq=("sq", "sum"))
    )
    observed = ((per_item["m"] ** 2 - per_item["sq"]) / (per_item["m"] - 1)).sum()
    n_c = pairable.groupby("label")["n"].sum().to_numpy(dtype=float)
    n = n_c.sum()
    expected = n**2 - (n_c**2).sum()
    if n < 2 or expected == 0:
        return None
    return float(1 - (n - 1) * observed / expected)


def fleiss_kappa(counts: pd.DataFrame) -> float | None:
    """kappa = (P_bar - P_e) / (1 - P_e), defined when every item has the same m >= 2 ratings.

    P_i = (sum_j n_ij^2 - m) / (m (m - 1)) is item i's agreement, P_bar their mean; p_j is the
    share of all ratings in category j and P_e = sum_j p_j^2.
    """
    sizes = counts.groupby("item")["m"].first()
    if sizes.empty or sizes.nunique() != 1 or sizes.iloc[0] < 2:
        return None
    m = float(sizes.iloc[0])
    squares = counts.assign(sq=counts["n"] ** 2).groupby("item")["sq"].sum()
    p_bar = ((squares - m) / (m * (m - 1))).mean()
    p_j = counts.groupby("label")["n"].sum().to_numpy(dtype=float) / (m * len(sizes))
    p_e = (p_j**2).sum()
    if p_e == 1:
        return None
    return float((p_bar - p_e) / (1 - p_e))


def _top_labels(candidates: pd.DataFrame, key: str, count: str) -> pd.DataFrame:
    """Per `key`: the first label alphabetically among those with the highest `count`, and how
    many labels share that count (more than one is a tie). Rows with a count of 0 are ignored."""
    top = candidates[candidates[count] > 0]
    top = top[top[count] == top.groupby(key)[count].transform("max")]
    # Sorted, the first label of each key is the alphabetical minimum (a vectorised "min":
    # pandas aggregates strings with "min" in pure Python, minutes at a million items).
    first = top.sort_values([key, "label"], kind="stable").drop_duplicates(key).set_index(key)
    return pd.DataFrame({"label": first["label"], "n_top": top.groupby(key).size()})


def majority_vote(counts: pd.DataFrame, tie_rule: TieRule) -> MajorityVote:
    """The most frequent label per item; ties resolved by `tie_rule` and counted."""
    if tie_rule not in TIE_RULES:
        raise ValueError(f"tie_rule {tie_rule!r} is not one of {TIE_RULES}")
    top = _top_labels(counts, "item", "n")
    tied = top["n_top"] > 1
    if tie_rule == "drop":
        top = top[~tied]
    labels = {str(to_plain(item)): str(label) for item, label in top["label"].items()}
    return MajorityVote(labels, int(counts["item"].nunique()), int(tied.sum()), tie_rule)


def _annotator_agreement(
    ratings: pd.DataFrame, counts: pd.DataFrame, tie_rule: TieRule
) -> tuple[AnnotatorAgreement, ...]:
    """Each rating against the majority of the other ratings of its item (leave one out)."""
    rows = ratings.reset_index(drop=True).rename_axis("row").reset_index()
    pairs = rows.merge(counts[["item", "label", "n"]], on="item", suffixes=("", "_c"))
    pairs["others"] = pairs["n"] - (pairs["label_c"] == pairs["label"])
    pairs = pairs.drop(columns="label").rename(columns={"label_c": "label"})
    top = _top_labels(pairs, "row", "others")
    if tie_rule == "drop":
        top = top[top["n_top"] == 1]
    rows = rows.join(top["label"].rename("majority"), on="row")
    rows["compared"] = rows["majority"].notna()
    rows["agree"] = rows["compared"] & (rows["label"] == rows["majority"])
    per = rows.groupby("annotator").agg(
        n_items=("item", "nunique"), n_compared=("compared", "sum"), n_agree=("agree", "sum")
    )
    found = [
        AnnotatorAgreement(str(name), int(r.n_items), int(r.n_compared), int(r.n_agree))
        for name, r in per.iterrows()
    ]
    return tuple(sorted(found, key=lambda a: (a.n_compared == 0, a.agreement, a.annotator)))


def annotator_agreement(
    frame: pd.DataFrame,
    *,
    item: str = "item_id",
    annotator: str = "annotator_id",
    label: str = "label",
    tie_rule: TieRule = "first_alphabetical",
) -> AgreementResult:
    """Agreement over a long table of ratings (one row per item, annotator and label).

    An annotator who rated an item twice counts twice. Empty input gives an empty result
    (no ratings, both coefficients None). Raises ValueError on a missing column or an unknown
    tie rule.
    """
    if tie_rule not in TIE_RULES:
        raise ValueError(f"tie_rule {tie_rule!r} is not one of {TIE_RULES}")
    missing = [c for c in (item, annotator, label) if c not in frame]
    if missing:
        raise ValueError(f"columns not in the frame: {missing}")
    ratings = frame[[item, annotator, label]].dropna(subset=[label])
    ratings = ratings.set_axis(["item", "annotator", "label"], axis=1).astype(str)
    counts = _counts(ratings)
    return AgreementResult(
        n_items=int(ratings["item"].nunique()),
        n_annotators=int(ratings["annotator"].nunique()),
        n_ratings=len(ratings),
        krippendorff_alpha=krippendorff_alpha_nominal(counts),
        fleiss_kappa=fleiss_kappa(counts),
        majority=majority_vote(counts, tie_rule),
        annotators=_annotator_agreement(ratings, counts, tie_rule) if len(ratings) else (),
    )
