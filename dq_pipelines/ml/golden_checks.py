"""Golden cases as checks: their Dagster specs, and their results as check outcomes (the same
result layout, history and alerts as every other check)."""

from collections.abc import Sequence

import dagster as dg

from dq_pipelines.checks.gx_runner import CheckOutcome
from dq_pipelines.declared.golden_schema import ClassifierCase, GoldenCase, SearchNoneCase
from dq_pipelines.ml.golden import GoldenResult


def case_sentence(case: GoldenCase) -> str:
    """What the case asks of the model, in words."""
    e = case.expectation
    if isinstance(case, ClassifierCase):
        return f"{case.input!r} is classified as {e.category}."
    if isinstance(case, SearchNoneCase):
        return f"A search for {case.input!r} shows no {e.category} in its top {e.top_k}."
    return f"A search for {case.input!r} shows at least one {e.category} in its top {e.top_k}."


def golden_check_specs(asset: str, cases: Sequence[GoldenCase]) -> list[dg.AssetCheckSpec]:
    """One check per case on the model asset: ERROR, blocking the model's promotion."""
    return [
        dg.AssetCheckSpec(
            case.check_name,
            asset=asset,
            description=f"Golden case {case.id} (owner: {case.owner}): {case_sentence(case)}"
            + (f" {case.note.rstrip().rstrip('.')}." if case.note else ""),
            metadata={
                "severity": "ERROR",
                "blocks_promotion": True,
                "golden_kind": case.kind,
                "owner": case.owner,
            },
        )
        for case in cases
    ]


def golden_outcomes(results: Sequence[GoldenResult]) -> list[CheckOutcome]:
    return [
        CheckOutcome(
            check_name=r.check_name,
            passed=r.passed,
            severity="ERROR",
            description=r.message,
            observed_value=r.returned[0] if r.kind == "classifier" else list(r.returned),
            details={"owner": r.owner, "case_id": r.case_id},
        )
        for r in results
    ]


def golden_summary(results: Sequence[GoldenResult]) -> list[dict[str, object]]:
    """What the registry keeps of a version's golden cases."""
    return [
        {"case": r.case_id, "passed": r.passed, "returned": list(r.returned), "message": r.message}
        for r in results
    ]


def model_asset(
    name: str,
    upstream: Sequence[str],
    kinds: set[str],
    description: str,
    cases: Sequence[GoldenCase],
):
    """The decorator a model asset is built with: its golden cases as its checks, and every
    output optional, so a blocked training yields nothing and its checks read "Skipped"
    (a plain `@asset` would require each check's output)."""
    return dg.multi_asset(
        name=name,
        specs=[
            dg.AssetSpec(
                name,
                deps=list(upstream),
                group_name="train",
                kinds=kinds,
                description=description,
                skippable=True,
            )
        ],
        check_specs=golden_check_specs(name, cases),
        can_subset=True,
    )
