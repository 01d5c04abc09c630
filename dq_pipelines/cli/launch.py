"""Runs launched from the command line: what to run, whether there is anything to run, and one
code path that runs it (the demo, `ingest` and `replay` all go through `execute`).

No daemon is behind a command-line run, so dead runs are reaped before each launch.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import click
import dagster as dg

from dq_pipelines.cli.summary import RunOutcome, summarize
from dq_pipelines.declared.project import Project
from dq_pipelines.layout import PROJECT_ROOT
from dq_pipelines.runs.summary import summarize_events
from dq_pipelines.storage.warehouse import DuckDBWarehouse

DEFAULT_DAGSTER_HOME = PROJECT_ROOT / ".dagster_home"
INSTANCE_CONFIG = Path(__file__).parents[1] / "instance_dagster.yaml"
# The verbs print their own summary; Dagster's step logs stay in the run history for the UI.
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


class NothingToDo(click.ClickException):
    """A verb that found nothing to run: it says why and exits 1."""


def ensure_dagster_home() -> Path:
    """DAGSTER_HOME as set, else the project's git-ignored .dagster_home; a new one gets
    instance_dagster.yaml (telemetry off, the duckdb pool limited to one step at a time)."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(DEFAULT_DAGSTER_HOME))).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_CONFIG.read_text())
    return home


def reap_before_launch(instance: dg.DagsterInstance, resources: dict) -> None:
    """No daemon watches runs executed here: a run killed earlier would hold the duckdb pool
    slot and block this one forever, so dead runs are failed and cleaned up first."""
    from dq_pipelines.runs.dead_runs import clean_up

    with dg.build_resources({"duckdb": resources["duckdb"]}) as built:
        cleaned = clean_up(instance, built.duckdb)
    if cleaned.reaped or cleaned.dropped:
        click.echo(f"before launching: {cleaned.summary()}", err=True)


@dataclass(frozen=True)
class RunPlan:
    """One run: a job of `selection` (with its checks), or an existing job when job_name is one."""

    label: str
    job_name: str
    selection: frozenset[str]
    run_config: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    existing_job: bool = False


def execute(defs: dg.Definitions, instance: dg.DagsterInstance, plan: RunPlan) -> RunOutcome:
    if not plan.existing_job:
        job = dg.define_asset_job(
            plan.job_name, selection=dg.AssetSelection.assets(*plan.selection)
        )
        defs = dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))
    result = defs.resolve_job_def(plan.job_name).execute_in_process(
        instance=instance, run_config=QUIET | plan.run_config, tags=plan.tags, raise_on_error=False
    )
    # In process no daemon runs the run-summary sensors: tag the run as they would, so its
    # page in the UI says what it did.
    instance.add_run_tags(result.run_id, summarize_events(result.all_events).tags())
    return summarize(result, plan.label, plan.selection)


def launch(plan: RunPlan, echo: Callable[[str], None]) -> RunOutcome:
    """Run a plan on the instance in DAGSTER_HOME, announcing it (a run takes seconds)."""
    from dq_pipelines.definitions import defs as load_defs
    from dq_pipelines.defs.resources import build_resources

    ensure_dagster_home()
    echo(f"running {plan.label}: {', '.join(sorted(plan.selection))} and their checks ...")
    with dg.DagsterInstance.get() as instance:
        reap_before_launch(instance, build_resources())
        return execute(load_defs(), instance, plan)


def _dates(days: list[date]) -> str:
    return ", ".join(map(str, days)) or "none"


def staging_of(project: Project, raw: str) -> set[str]:
    """The SQL models that read a raw table directly: its staging layer."""
    return {m.name for m in project.models.values() if raw in m.deps}


def ingest_plan(
    project: Project, landing: Path, sources: tuple[str, ...], day: date | None
) -> tuple[RunPlan | None, list[str]]:
    """The run loading each source's delivery (of `day`, else its newest), and why a source
    has nothing to load; no plan when none has."""
    chosen: dict[str, date] = {}
    skipped = []
    for source in sources:
        contract = project.contracts[source]
        landed = list(contract.deliveries(landing))
        if day is None and landed:
            chosen[source] = landed[-1]
        elif day in landed:
            chosen[source] = day
        else:
            wanted = f"for {day}" if day else f"(pattern {contract.path_pattern})"
            skipped.append(
                f"no delivery of {source} {wanted} in {landing}; landed dates: {_dates(landed)}"
            )
    if not chosen:
        return None, skipped
    raws = {project.contracts[s].raw_table: d for s, d in chosen.items()}
    selection = frozenset(raws).union(*(staging_of(project, raw) for raw in raws))
    config = {"ops": {raw: {"config": {"delivery_date": str(d)}} for raw, d in raws.items()}}
    label = "ingest of " + ", ".join(f"{s} {d}" for s, d in chosen.items())
    return RunPlan(label, "ingest_cli", selection, config, {"dq/cli": "ingest"}), skipped


def archived_dates(warehouse_path: Path, source: str) -> list[date]:
    """Delivery dates with an archived file of `source` in the manifest (none without a
    warehouse: it is not created just to be asked)."""
    if not warehouse_path.exists():
        return []
    with dg.build_resources({"duckdb": DuckDBWarehouse(path=str(warehouse_path))}) as built:
        found = built.duckdb.query(
            "select distinct delivery_date from dq_manifest "
            "where source = ? and archive_path is not null order by 1",
            [source],
        )
    return [d.date() if hasattr(d, "date") else d for d in found["delivery_date"]]


def replay_plan(project: Project, warehouse_path: Path, source: str, day: date) -> RunPlan:
    """The run re-ingesting an archived delivery and rebuilding what it feeds; NothingToDo
    (naming the archived dates) when none of that date was archived."""
    archived = archived_dates(warehouse_path, source)
    if day not in archived:
        raise NothingToDo(
            f"no archived delivery of {source} for {day}; archived dates: {_dates(archived)}"
        )
    raw = project.contracts[source].raw_table
    config = {"ops": {raw: {"config": {"delivery_date": str(day), "replay": True}}}}
    selection = frozenset({raw} | project.descendants(raw))
    tags = {"dq/cli": "replay"}
    return RunPlan(f"replay of {source} {day}", f"replay_{source}", selection, config, tags)
