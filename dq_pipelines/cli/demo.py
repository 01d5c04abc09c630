"""The demo: a clean, a slightly dirty and a faulty delivery through the real definitions.

The slightly dirty one shows quarantine (a few bad rows kept out, the rest trains); the faulty
one shows a held delivery, format-drift diagnosis, blocked training and alerts. It runs in a
folder of its own (landing, archive, warehouse, artifacts and Dagster instance), emptied at each
start, so every run of it gives the same result whatever else was delivered or run before.
"""

import logging
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path

import click
import dagster as dg

from dq_pipelines.cli.launch import INSTANCE_CONFIG, QUIET, RunPlan, execute
from dq_pipelines.cli.sample_data import Faults, generate_delivery
from dq_pipelines.cli.summary import RunOutcome, describe
from dq_pipelines.declared.project import load_project
from dq_pipelines.report import DEFAULT_RUNS
from dq_pipelines.report.site import ScorecardSite, write_scorecard
from dq_pipelines.settings import resolved
from dq_pipelines.storage.warehouse import DuckDBWarehouse

__all__ = ["CLEAN_DAY", "QUIET", "demo_folder", "run_demo"]

CLEAN_DAY = date(2026, 11, 26)
DIRTY_DAY = date(2026, 11, 27)
FAULTY_DAY = date(2026, 11, 28)
# Within the catalog contract's quarantine.max_share (1%): quarantined, not blocking.
SLIGHTLY_DIRTY = Faults(unknown_categories=0.004, null_titles=0.003)
PIPELINE_JOB = "full_pipeline_job"
ALERT_SENSOR = "alert_on_failed_checks"
# What the demo keeps in its folder, by the variable that points there.
DEMO_PLACES = {
    "DQ_LANDING_DIR": "landing",
    "DQ_ARCHIVE_DIR": "archive",
    "DQ_DUCKDB_PATH": "warehouse.duckdb",
    "DQ_ARTIFACTS_DIR": "artifacts",
    "DQ_REPORTS_DIR": "reports",
    "DAGSTER_HOME": "dagster_home",
}
MARKER = ".dq-demo"  # a folder without it is never emptied


@contextmanager
def demo_folder(folder: Path, echo: Callable[[str], None]) -> Iterator[dict[str, str]]:
    """Empty `folder` (only if an earlier demo made it) and point the DQ_* paths and
    DAGSTER_HOME into it while the demo runs; the environment is restored after."""
    if folder.exists() and any(folder.iterdir()):
        if not (folder / MARKER).exists():
            raise click.ClickException(
                f"{folder} is not empty and was not made by the demo; choose another --dir"
            )
        shutil.rmtree(folder)
        echo(f"clean start: removed the earlier demo run in {folder}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("made by `dq-pipelines demo`; emptied by its next run\n")
    places = {name: str(folder / sub) for name, sub in DEMO_PLACES.items()}
    Path(places["DAGSTER_HOME"]).mkdir()
    (Path(places["DAGSTER_HOME"]) / "dagster.yaml").write_text(INSTANCE_CONFIG.read_text())
    echo(f"the demo runs in {folder}: its own landing, archive, warehouse and Dagster instance")
    saved = {name: os.environ.get(name) for name in places}
    os.environ.update(places)
    try:
        yield places
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_pipeline(defs: dg.Definitions, instance: dg.DagsterInstance, label: str) -> RunOutcome:
    plan = RunPlan(
        label, PIPELINE_JOB, frozenset(load_project().deps), tags={"dq/demo": label},
        existing_job=True,
    )  # fmt: skip
    return execute(defs, instance, plan)


def send_alerts(defs: dg.Definitions, instance: dg.DagsterInstance, resources: dict) -> str:
    """One tick of the alert sensor, as the daemon would run it (alerts already sent are kept)."""
    context = dg.build_sensor_context(instance=instance, resources=resources)
    # The tick's per-alert log lines are for the UI's tick view; the demo prints its own count.
    context.log.setLevel(logging.ERROR)
    return defs.resolve_sensor_def(ALERT_SENSOR)(context).skip_message


def alert_lines(warehouse: DuckDBWarehouse, outcomes: list[RunOutcome], verbose: bool) -> list[str]:
    """The demo's alerts, counted once from dq_alerts: per status and destination, and per
    delivery that raised them; with `verbose`, each alert's text."""
    labels = {o.run_id: o.label for o in outcomes}
    alerts = warehouse.query(
        "select run_id, status, destination, text from dq_alerts "
        "order by created_at, severity, asset, check_name"
    )
    lines = []
    for (status, destination), rows in alerts.groupby(["status", "destination"], sort=True):
        per_run = rows.groupby("run_id", sort=False).size()
        raised = ", ".join(f"{n} from the {labels.get(r, r)}" for r, n in per_run.items())
        lines.append(f"alerts: {len(rows)} {status} -> {destination} ({raised})")
    if not lines:
        lines.append("alerts: none")
    if verbose:
        for row in alerts.itertuples():
            lines.append(f"alert ({labels.get(row.run_id, row.run_id)}):")
            lines.append("  " + row.text.replace("\n", "\n  "))
    return lines


def _deliver_and_run(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    warehouse: DuckDBWarehouse,
    landing: Path,
    n_products: int,
    day: date,
    kind: str,
    faults: Faults,
    echo: Callable[[str], None],
) -> RunOutcome:
    generate_delivery(landing, day, n_products=n_products, faults=faults)
    echo("")
    echo(f"generated {kind} delivery {day} ({faults}); running the pipeline ...")
    outcome = run_pipeline(defs, instance, f"{kind} delivery {day}")
    for line in describe(outcome, warehouse):
        echo(line)
    return outcome


def run_demo(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    resources: dict[str, dg.ConfigurableResource],
    n_products: int,
    echo: Callable[[str], None],
    verbose: bool = False,
) -> tuple[RunOutcome, RunOutcome, RunOutcome]:
    with dg.build_resources({k: resources[k] for k in ("duckdb", "landing", "scorecard")}) as r:
        warehouse: DuckDBWarehouse = r.duckdb
        landing: Path = r.landing.root
        site: ScorecardSite = r.scorecard
    faulty_faults = replace(Faults.demo_faulty(), late_sources=("feedback",))
    runs = [
        (CLEAN_DAY, "clean", Faults()),
        (DIRTY_DAY, "slightly dirty", SLIGHTLY_DIRTY),
        (FAULTY_DAY, "faulty", faulty_faults),
    ]
    clean, dirty, faulty = [
        _deliver_and_run(defs, instance, warehouse, landing, n_products, *run, echo=echo)
        for run in runs
    ]
    echo("")
    tick = send_alerts(defs, instance, resources)
    if verbose:
        echo(f"alert sensor tick: {tick}")
    for line in alert_lines(warehouse, [clean, dirty, faulty], verbose):
        echo(line)
    # No daemon runs the scorecard's sensors here, so the demo renders the page itself.
    write_scorecard(
        warehouse, load_project(), site.page_path, DEFAULT_RUNS, resolved("DQ_DAGSTER_URL")
    )
    echo(f"scorecard: {site.page_path}")
    return clean, dirty, faulty
