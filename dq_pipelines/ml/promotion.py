"""Whether a challenger model replaces the champion: all golden cases pass, and no key metric is
worse than the champion's beyond its declared tolerance (declared/promotion.py)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PromotionDecision:
    promote: bool
    reason: str


def decide_promotion(
    challenger: Mapping[str, float],
    champion: Mapping[str, float] | None,
    golden_failed: Sequence[str],
    tolerances: Mapping[str, float],
    unmeasurable: Mapping[str, str] | None = None,
) -> PromotionDecision:
    """The decision, with a reason in words (the registry keeps it).

    `unmeasurable`: metric -> why the challenger could not be measured on it at all (e.g. no
    feedback yet to judge a search index by); such a metric is named in the reason and not
    compared, where a metric merely missing from `challenger` keeps the challenger out.
    """
    if golden_failed:
        return PromotionDecision(
            False, f"{len(golden_failed)} golden case(s) failed: {', '.join(golden_failed)}"
        )
    unmeasurable = unmeasurable or {}
    skipped = [f"{m} ({unmeasurable[m]})" for m in sorted(tolerances) if m in unmeasurable]
    tolerances = {m: t for m, t in tolerances.items() if m not in unmeasurable}
    decision = _compare(challenger, champion, tolerances)
    if skipped:
        said = (
            "every golden case passed; no declared metric compared"
            if not tolerances
            else decision.reason
        )
        return PromotionDecision(decision.promote, f"{said}; not measured: {'; '.join(skipped)}")
    return decision


def _compare(
    challenger: Mapping[str, float],
    champion: Mapping[str, float] | None,
    tolerances: Mapping[str, float],
) -> PromotionDecision:
    missing = sorted(m for m in tolerances if m not in challenger)
    if missing:
        return PromotionDecision(False, f"metric(s) not measured: {', '.join(missing)}")
    if not tolerances:
        return PromotionDecision(True, "every golden case passed (no metric declared)")
    if champion is None:
        return PromotionDecision(True, "every golden case passed; no champion yet")
    worse = [
        f"{m} {challenger[m]:.4f} < champion's {champion[m]:.4f} - {t}"
        for m, t in sorted(tolerances.items())
        if m in champion and challenger[m] < champion[m] - t
    ]
    if worse:
        return PromotionDecision(False, "worse than the champion: " + "; ".join(worse))
    said = ", ".join(
        f"{m} {challenger[m]:.4f} (champion {champion[m]:.4f})"
        for m in sorted(tolerances)
        if m in champion
    )
    unrecorded = sorted(m for m in tolerances if m not in champion)
    if unrecorded:
        said += ("; " if said else "") + f"the champion has no recorded {', '.join(unrecorded)}"
    return PromotionDecision(True, f"every golden case passed; {said}")
