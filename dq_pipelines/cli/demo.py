"""The demo: a clean, a slightly dirty and a faulty delivery through the real definitions.

The slightly dirty one shows quarantine (a few bad rows kept out, the rest trains); the faulty
one shows a held delivery, format-drift diagnosis, blocked training and alerts.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import dagster as dg

from dq_pipelines.checks.dagster_results import blocks
from dq_pipelines.cli.sample_data import Faults, generate_delivery
from dq_pipelines.declared.project import MODEL_ASSET, load_project
from dq_pipelines.storage.warehouse import DuckDBWarehouse

CLEAN_DAY = date(2026, 11, 26)
DIRTY_DAY = date(2026, 11, 27)
FAULTY_DAY = date(2026, 11, 28)
# Within the catalog contract's quarantine.max_share (1%): quarantined, not blocking.
SLIGHTLY_DIRTY = Faults(unknown_categories=0.004, null_titles=0.003)
PIPELINE_JOB = "full_pipeline_job"
# The demo prints its own summary; Dagster's step logs stay in the run history for the UI.
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
ALERT_SENSOR = "alert_on_failed_checks"


@dataclass(frozen=True)
class RunOutcome:
    label: str
    run_id: str
    success: bool
    checks_passed: list[str]
    checks_failed: list[tuple[str, str, bool]]  # (asset.check, severity, blocking)
    diagnoses: list[str]  # what the contract checks (format, acceptance, freshness) found
    materialized: list[str]

    @property
    def trained(self) -> bool:
        return MODEL_ASSET in self.materialized


def run_pipeline(defs: dg.Definitions, instance: dg.DagsterInstance, label: str) -> RunOutcome:
    result = defs.resolve_job_def(PIPELINE_JOB).execute_in_process(
        instance=instance, raise_on_error=False, tags={"dq/demo": label}, run_config=QUIET
    )
    return summarize(result, label)


def summarize(result: dg.ExecuteInProcessResult, label: str) -> RunOutcome:
    """What a run did: checks passed and failed, assets materialized."""
    passed, failed, diagnoses = [], [], []
    contract_checks = {c.name for c in load_project().checks if c.asset.startswith("raw_")}
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
    return RunOutcome(label, result.run_id, result.success, passed, failed, diagnoses, materialized)


def send_alerts(defs: dg.Definitions, instance: dg.DagsterInstance, resources: dict) -> str:
    """One tick of the alert sensor, as the daemon would run it (alerts already sent are kept)."""
    context = dg.build_sensor_context(instance=instance, resources=resources)
    return defs.resolve_sensor_def(ALERT_SENSOR)(context).skip_message


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
    lines += publications(warehouse, outcome.run_id)
    if outcome.trained:
        metrics = warehouse.query(
            "select r.model_version, m.metric, m.value from dq_model_registry r "
            "join dq_model_metrics m using (model_version) where r.run_id = ? and m.label is null",
            [outcome.run_id],
        )
        scores = ", ".join(f"{r.metric}={r.value:.3f}" for r in metrics.itertuples())
        version = metrics["model_version"].iloc[0] if not metrics.empty else "?"
        lines.append(f"training: RAN -> model {version} ({scores})")
    else:
        lines.append(f"training: BLOCKED (materialized only: {', '.join(outcome.materialized)})")
    return lines


def run_demo(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    resources: dict[str, dg.ConfigurableResource],
    n_products: int,
    echo: Callable[[str], None],
) -> tuple[RunOutcome, RunOutcome, RunOutcome]:
    with dg.build_resources({k: resources[k] for k in ("duckdb", "landing")}) as resolved:
        warehouse: DuckDBWarehouse = resolved.duckdb
        landing: Path = resolved.landing.root
    generate_delivery(landing, CLEAN_DAY, n_products=n_products)
    echo(f"generated clean delivery {CLEAN_DAY} in {landing}")
    clean = run_pipeline(defs, instance, f"clean delivery {CLEAN_DAY}")
    for line in describe(clean, warehouse):
        echo(line)

    generate_delivery(landing, DIRTY_DAY, n_products=n_products, faults=SLIGHTLY_DIRTY)
    echo(f"generated slightly dirty delivery {DIRTY_DAY}: {SLIGHTLY_DIRTY}")
    dirty = run_pipeline(defs, instance, f"slightly dirty delivery {DIRTY_DAY}")
    for line in describe(dirty, warehouse):
        echo(line)

    faults = replace(Faults.demo_faulty(), late_sources=("feedback",))
    generate_delivery(landing, FAULTY_DAY, n_products=n_products, faults=faults)
    echo(f"generated faulty delivery {FAULTY_DAY}: {faults}")
    faulty = run_pipeline(defs, instance, f"faulty delivery {FAULTY_DAY}")
    for line in describe(faulty, warehouse):
        echo(line)
    echo(f"alert sensor: {send_alerts(defs, instance, resources)}")
    alerts = warehouse.query(
        "select status, destination, count(*) as n from dq_alerts where run_id = ? "
        "group by all order by all",
        [faulty.run_id],
    )
    for row in alerts.itertuples():
        echo(f"alerts: {row.n} {row.status} -> {row.destination}")
    first = warehouse.query(
        "select text from dq_alerts where run_id = ? order by severity, asset, check_name limit 1",
        [faulty.run_id],
    )
    if not first.empty:
        echo("first alert:\n  " + first["text"].item().replace("\n", "\n  "))
    return clean, dirty, faulty
