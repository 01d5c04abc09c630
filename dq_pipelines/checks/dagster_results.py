"""Check outcomes as Dagster checks: their specs, and one result layout for every kind of check."""

import json
from collections.abc import Iterable, Iterator
from typing import Any

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
# Dagster's own `blocking` flag is never set: a failing blocking check fails the whole run, and
# every check downstream then reads "Execution failed" although none ran. The asset's step stops
# what is built from it instead (wap/blocked.py); this metadata says which checks do that.
BLOCKS_TRAINING = "blocks_training"


def readable(value: Any) -> dg.MetadataValue:
    """A value as the UI shows it inline: numbers as numbers (Dagster plots them across
    evaluations), text as text, structures as JSON."""
    value = json_safe(value)
    if isinstance(value, bool):
        return dg.MetadataValue.bool(value)
    if isinstance(value, int):
        return dg.MetadataValue.int(value)
    if isinstance(value, float):
        return dg.MetadataValue.float(value)
    if isinstance(value, str):
        return dg.MetadataValue.text(value)
    return dg.MetadataValue.json(value)


def sample_text(sample: list[Any]) -> dg.MetadataValue:
    """The unexpected values as a line of text (JSON literals: `""` and `null` differ), or,
    for sampled rows, a small markdown table. The UI hides JSON behind a click."""
    values = json_safe(sample)
    if all(isinstance(v, dict) for v in values):
        columns = list(dict.fromkeys(k for row in values for k in row))
        lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
        lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in values]
        return dg.MetadataValue.md("\n".join(lines))
    return dg.MetadataValue.text(", ".join(json.dumps(v, ensure_ascii=False) for v in values))


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.replace("|", "\\|").replace("\n", " ")


def to_check_result(
    asset: str, outcome: CheckOutcome, sensitive: frozenset[str] | None = None
) -> dg.AssetCheckResult:
    """Metadata a person can read in the UI: numbers as numbers, the unexpected percent
    rounded, the sample as text, and the observed value only when the check has one (a
    row-level expectation has none: its counts say it).

    The metadata is stored in the event log and shown in the UI, so values of the asset's
    sensitive columns (default: as the project's contracts and SQL lineage say) are masked.
    """
    if sensitive is None:
        sensitive = sensitive_columns(load_project(), asset)
    outcome = mask_outcome(outcome, sensitive)
    metadata: dict[str, dg.RawMetadataValue] = {"severity": outcome.severity}
    if json_safe(outcome.observed_value) is not None:
        metadata["observed_value"] = readable(outcome.observed_value)
    if outcome.description:
        metadata["description"] = outcome.description
    if outcome.element_count is not None:
        metadata["element_count"] = dg.MetadataValue.int(outcome.element_count)
    if outcome.unexpected_count is not None:
        metadata["unexpected_count"] = dg.MetadataValue.int(outcome.unexpected_count)
    if outcome.unexpected_percent is not None:
        percent = round(float(outcome.unexpected_percent), 2)
        metadata["unexpected_percent"] = dg.MetadataValue.float(percent)
    if outcome.unexpected_sample:
        metadata["unexpected_sample"] = sample_text(outcome.unexpected_sample)
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
            description=e.description or expectation_sentence(e.type, e.kwargs),
            metadata={
                "severity": e.severity,
                BLOCKS_TRAINING: project.is_blocking(suite.asset, e.severity),
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
            description=spec.description,
            metadata={
                "severity": spec.severity,
                BLOCKS_TRAINING: project.is_blocking(spec.asset, spec.severity),
                "ml_check_kind": spec.kind,
                "ml_check_file": spec.path.name,
            },
        )
        for spec in specs
    ]


def contract_check_specs(
    contract: SourceContract, project: Project, runs: str = AUDIT
) -> list[dg.AssetCheckSpec]:
    """The checks a contract declares to run `runs` (in the delivery audit, or from the
    landing records after the write), as the raw asset's specs."""
    return [
        dg.AssetCheckSpec(
            c.name,
            asset=c.asset,
            description=c.description,
            metadata={
                "severity": c.severity,
                BLOCKS_TRAINING: project.is_blocking(c.asset, c.severity),
            },
        )
        for c in contract_checks(contract, runs=runs)
    ]


def blocks(evaluation: dg.AssetCheckEvaluation) -> bool:
    """Whether a reported check blocked what is built from its asset: Project.is_blocking, at
    the severity it was reported (a blocking check reported at WARN, its failing rows
    quarantined and the rest published, blocks nothing)."""
    asset = evaluation.asset_key.to_user_string()
    return load_project().is_blocking(asset, evaluation.severity.value)


def selected_results(
    context: dg.AssetExecutionContext, asset: str, outcomes: Iterable[CheckOutcome]
) -> Iterator[dg.AssetCheckResult]:
    """The results of the checks this run selected (a run may select a subset of them)."""
    selected = {key.name for key in context.selected_asset_check_keys}
    sensitive = sensitive_columns(load_project(), asset)
    for outcome in outcomes:
        if outcome.check_name in selected:
            yield to_check_result(asset, outcome, sensitive)
