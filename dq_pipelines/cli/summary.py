"""What one run did, in the lines every verb prints: checks, diagnoses, deliveries, training.

`summarize` reads a finished in-process run; `describe` adds what write-audit-publish and
training recorded in the warehouse. The demo, `ingest` and `replay` all print this.
"""

from dataclasses import dataclass

import dagster as dg

from dq_pipelines.checks.dagster_results import blocks
from dq_pipelines.declared.project import MODEL_ASSET, load_project
from dq_pipelines.storage.warehouse import DuckDBWarehouse


@dataclass(frozen=True)
class Delivery:
    """What a raw asset did with its delivery (its materialization metadata)."""

    asset: str
    date: str
    status: str  # loaded, held, duplicate or rejected
    note: str  # why, when not loaded


@dataclass(frozen=True)
class RunOutcome:
    label: str
    run_id: str
    success: bool
    checks_passed: list[str]
    checks_failed: list[tuple[str, str, bool]]  # (asset.check, severity, blocking)
    diagnoses: list[str]  # what the contract checks (format, acceptance, freshness) found
    materialized: list[str]
    selected: frozenset[str]  # the assets the run was asked to materialize
    deliveries: list[Delivery]
    errors: list[str]  # steps that failed for another reason than a blocking check

    @property
    def blocked_by(self) -> list[str]:
        """The blocking checks that failed (what was built from their assets was not)."""
        return [name for name, _, blocking in self.checks_failed if blocking]

    @property
    def trained(self) -> bool:
        return MODEL_ASSET in self.materialized

    @property
    def did_nothing(self) -> bool:
        """Every delivery was refused or already loaded, or a step failed before any did."""
        if self.errors and not self.deliveries:
            return True
        return bool(self.deliveries) and all(
            d.status in ("duplicate", "rejected") for d in self.deliveries
        )


def _step_errors(result: dg.ExecuteInProcessResult) -> list[str]:
    """Why steps failed, said once each (a failed check does not fail its step: it is listed
    with the checks)."""
    errors = []
    for event in result.all_events:
        if not event.is_step_failure or event.step_failure_data is None:
            continue
        error = event.step_failure_data.error
        if error is None:
            continue
        message = error.message.strip().splitlines()[0] if error.message.strip() else ""
        # "dq_pipelines.landing.ingest.DeliveryError: why" -> "why"
        errors.append(f"{event.step_key}: {message.split(': ', 1)[-1]}")
    return errors


def _deliveries(result: dg.ExecuteInProcessResult) -> list[Delivery]:
    """From the raw assets' materializations, or their observations when the delivery was held
    or refused (nothing was published: wap/blocked.py)."""
    sources = {c.raw_table: c.name for c in load_project().contracts.values()}
    found = []
    recorded = [(e.asset_key, e.materialization) for e in result.get_asset_materialization_events()]
    recorded += [(e.asset_key, e.asset_observation_data.asset_observation)
                 for e in result.get_asset_observation_events()]  # fmt: skip
    for asset_key, event in recorded:
        meta = {k: v.value for k, v in event.metadata.items()}
        if "delivery_status" not in meta:
            continue
        asset, day = asset_key.to_user_string(), str(meta.get("delivery_date", "?"))
        note = str(meta.get("rejected_because") or meta.get("publication_reason") or "")
        if meta["delivery_status"] == "duplicate":
            note = (
                f"same content as load {meta.get('load_id')}, not loaded again "
                f"(`dq-pipelines replay {sources.get(asset, asset)} --date {day}` reloads it)"
            )
        found.append(Delivery(asset, day, str(meta["delivery_status"]), note))
    return found


def summarize(
    result: dg.ExecuteInProcessResult, label: str, selected: frozenset[str] | None = None
) -> RunOutcome:
    """What a run did: checks passed and failed, deliveries, assets materialized."""
    passed, failed, diagnoses = [], [], []
    project = load_project()
    contract_checks = {c.name for c in project.checks if c.asset.startswith("raw_")}
    for ev in result.get_asset_check_evaluations():
        name = f"{ev.asset_key.to_user_string()}.{ev.check_name}"
        if ev.passed:
            passed.append(name)
        else:
            failed.append((name, ev.severity.value, blocks(ev)))
            if ev.check_name in contract_checks and "description" in ev.metadata:
                diagnoses.append(ev.metadata["description"].value)
    materialized = sorted(
        {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    )
    return RunOutcome(
        label, result.run_id, result.success, passed, failed, diagnoses, materialized,
        selected if selected is not None else frozenset(project.deps),
        _deliveries(result), _step_errors(result),
    )  # fmt: skip


def publications(warehouse: DuckDBWarehouse, run_id: str) -> list[str]:
    """What write-audit-publish did in a run, where it did more than publish everything."""
    found = warehouse.query(
        "select asset, status, staged_rows, published_rows, quarantined_rows, reason "
        "from dq_publications where run_id = ? and status <> 'published' order by asset",
        [run_id],
    )
    return [
        f"  {p.status.upper()} {p.asset}: {p.published_rows} of {p.staged_rows} rows published, "
        f"{p.quarantined_rows} quarantined ({p.reason})"
        for p in found.itertuples()
    ]


def training_line(outcome: RunOutcome, warehouse: DuckDBWarehouse) -> str:
    """Whether the run trained, was blocked, or never meant to train (and why not)."""
    project = load_project()
    if MODEL_ASSET not in outcome.selected:
        raws = sorted(a for a in outcome.selected if a in project.deps and not project.deps[a])
        feeding = [a for a in raws if project.feeds_training(a)]
        if not feeding:
            return f"training: not affected ({', '.join(raws)} feeds no model)"
        return (
            f"training: not part of this run ({MODEL_ASSET} follows through automation "
            "under `make ui`)"
        )
    if outcome.trained:
        metrics = warehouse.query(
            "select r.model_version, m.metric, m.value from dq_model_registry r "
            "join dq_model_metrics m using (model_version) where r.run_id = ? and m.label is null",
            [outcome.run_id],
        )
        scores = ", ".join(f"{r.metric}={r.value:.3f}" for r in metrics.itertuples())
        version = metrics["model_version"].iloc[0] if not metrics.empty else "?"
        return f"training: RAN -> model {version} ({scores})"
    blocking = outcome.blocked_by
    why = f"blocking check(s) failed: {', '.join(blocking)}" if blocking else "see above"
    return f"training: BLOCKED ({why})"


def describe(outcome: RunOutcome, warehouse: DuckDBWarehouse) -> list[str]:
    lines = [
        f"== {outcome.label} (run {outcome.run_id[:8]}) ==",
        f"checks: {len(outcome.checks_passed)} passed, {len(outcome.checks_failed)} failed",
    ]
    lines += [
        f"  FAILED {name} [{sev}{', blocking' if blocking else ''}]"
        for name, sev, blocking in outcome.checks_failed
    ]
    lines += [f"  diagnosis: {text}" for text in outcome.diagnoses]
    lines += [
        f"  {d.status.upper()} {d.asset} delivery {d.date}: {d.note}"
        for d in outcome.deliveries
        if d.status in ("duplicate", "rejected")
    ]
    lines += [f"  step failed: {error}" for error in outcome.errors]
    lines += publications(warehouse, outcome.run_id)
    lines.append(training_line(outcome, warehouse))
    return lines
