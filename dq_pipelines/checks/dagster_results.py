"""Check outcomes as Dagster checks: their specs, and one result layout for every kind of check."""

from collections.abc import Iterable, Iterator

import dagster as dg

from dq_pipelines.checks.gx_runner import CheckOutcome, json_safe
from dq_pipelines.checks.masking import mask_outcome, sensitive_columns
from dq_pipelines.declared.contract_checks import AUDIT, contract_checks
from dq_pipelines.declared.contracts import SourceContract
from dq_pipelines.declared.expectation_text import expectation_sentence
from dq_pipelines.declared.ml_checks import MlCheckSpec
from dq_pipelines.declared.project import Project, load_project
from dq_pipelines.declared.suites import SuiteSpec

SEVERITY = {"ERROR": dg.AssetCheckSeverity.ERROR, "WARN": dg.AssetCheckSeverity.WARN}


def to_check_result(
    asset: str, outcome: CheckOutcome, sensitive: frozenset[str] | None = None
) -> dg.AssetCheckResult:
    """Numbers stay numbers in the metadata, so Dagster plots them across evaluations.

    The metadata is stored in the event log and shown in the UI, so values of the asset's
    sensitive columns (default: as the project's contracts and SQL lineage say) are masked.
    """
    if sensitive is None:
        sensitive = sensitive_columns(load_project(), asset)
    outcome = mask_outcome(outcome, sensitive)
    metadata: dict[str, dg.RawMetadataValue] = {
        "severity": outcome.severity,
        "observed_value": dg.MetadataValue.json({"value": json_safe(outcome.observed_value)}),
    }
    if outcome.description:
        metadata["description"] = outcome.description
    if outcome.element_count is not None:
        metadata["element_count"] = dg.MetadataValue.int(outcome.element_count)
    if outcome.unexpected_count is not None:
        metadata["unexpected_count"] = dg.MetadataValue.int(outcome.unexpected_count)
    if outcome.unexpected_percent is not None:
        metadata["unexpected_percent"] = dg.MetadataValue.float(float(outcome.unexpected_percent))
    if outcome.unexpected_sample:
        metadata["unexpected_sample"] = dg.MetadataValue.json(json_safe(outcome.unexpected_sample))
    if outcome.error:
        metadata["error"] = outcome.error
    for key, value in outcome.details.items():
        metadata[key] = dg.MetadataValue.json(value) if isinstance(value, dict | list) else value
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=outcome.check_name,
        passed=outcome.passed,
        severity=SEVERITY[outcome.severity],
        metadata=metadata,
    )


def suite_check_specs(suite: SuiteSpec, project: Project) -> list[dg.AssetCheckSpec]:
    """One Dagster check per expectation of a suite, on the suite's asset."""
    return [
        dg.AssetCheckSpec(
            name=e.check_name,
            asset=suite.asset,
            blocking=project.is_blocking(suite.asset, e.severity),
            description=e.description or expectation_sentence(e.type, e.kwargs),
            metadata={
                "severity": e.severity,
                "expectation_type": e.type,
                "suite_file": suite.path.name,
            },
        )
        for e in suite.expectations
    ]


def ml_check_specs(specs: Iterable[MlCheckSpec], project: Project) -> list[dg.AssetCheckSpec]:
    """One Dagster check per check of an asset's ML-check file."""
    return [
        dg.AssetCheckSpec(
            spec.name,
            asset=spec.asset,
            blocking=project.is_blocking(spec.asset, spec.severity),
            description=spec.description,
            metadata={
                "severity": spec.severity,
                "ml_check_kind": spec.kind,
                "ml_check_file": spec.path.name,
            },
        )
        for spec in specs
    ]


def contract_check_specs(contract: SourceContract, project: Project) -> list[dg.AssetCheckSpec]:
    """The checks a contract declares to run in the delivery audit, as the raw asset's specs."""
    return [
        dg.AssetCheckSpec(
            c.name,
            asset=c.asset,
            blocking=project.is_blocking(c.asset, c.severity),
            description=c.description,
        )
        for c in contract_checks(contract, runs=AUDIT)
    ]


def blocks(evaluation: dg.AssetCheckEvaluation) -> bool:
    """What a reported check blocks: a blocking check reported at WARN (its failing rows were
    quarantined, the rest published) blocks nothing. Declared blocking: Project.is_blocking."""
    return bool(evaluation.blocking) and evaluation.severity == dg.AssetCheckSeverity.ERROR


def selected_results(
    context: dg.AssetExecutionContext, asset: str, outcomes: Iterable[CheckOutcome]
) -> Iterator[dg.AssetCheckResult]:
    """The results of the checks this run selected (a run may select a subset of them)."""
    selected = {key.name for key in context.selected_asset_check_keys}
    sensitive = sensitive_columns(load_project(), asset)
    for outcome in outcomes:
        if outcome.check_name in selected:
            yield to_check_result(asset, outcome, sensitive)
