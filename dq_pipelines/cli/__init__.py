"""`dq-pipelines <verb>`: what people do outside the Dagster UI."""

import os
from pathlib import Path

import click

from dq_pipelines.cli.sample_data import SOURCES
from dq_pipelines.layout import PROJECT_ROOT

DEFAULT_DAGSTER_HOME = PROJECT_ROOT / ".dagster_home"
INSTANCE_CONFIG = Path(__file__).parents[1] / "instance_dagster.yaml"


def ensure_dagster_home() -> Path:
    """DAGSTER_HOME as set, else the project's git-ignored .dagster_home; a new one gets
    instance_dagster.yaml (telemetry off, the duckdb pool limited to one step at a time)."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(DEFAULT_DAGSTER_HOME))).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_CONFIG.read_text())
    return home


def reap_before_launch(instance, resources: dict) -> None:
    """No daemon watches runs executed here: a run killed earlier would hold the duckdb pool
    slot and block this one forever, so dead runs are failed and cleaned up first."""
    import dagster as dg

    from dq_pipelines.runs.dead_runs import clean_up

    with dg.build_resources({"duckdb": resources["duckdb"]}) as built:
        cleaned = clean_up(instance, built.duckdb)
    if cleaned.reaped or cleaned.dropped:
        click.echo(f"before launching: {cleaned.summary()}", err=True)


def _progress(source: str, done: int, total: int) -> None:
    click.echo(f"  {source}: {done:,}/{total:,} rows ({done / max(total, 1):.0%})", err=True)


@click.group()
def main() -> None:
    """dq_pipelines: data-quality checks that stop ML training on bad data."""


# Faults given as a share of rows, one option each: --null-titles 0.05, ...
SHARE_FAULTS = {
    "null_titles": "Share of catalog rows with an empty title.",
    "bad_prices": "Share of out-of-range prices.",
    "duplicate_ids": "Share of duplicated product ids.",
    "unknown_categories": "Share of categories outside the known set.",
    "flipped_labels": "Share of products whose majority label is wrong.",
}


def share_fault_options(command):
    for name, help_text in reversed(SHARE_FAULTS.items()):
        option = click.option(
            f"--{name.replace('_', '-')}", name, type=click.FloatRange(0, 1), default=0.0,
            help=help_text,
        )  # fmt: skip
        command = option(command)
    return command


@main.command()
@click.option(
    "--landing",
    type=click.Path(path_type=Path),
    default=None,
    help="Landing folder (default: $DQ_LANDING_DIR or data/landing).",
)
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="Delivery date, YYYY-MM-DD.",
)
@click.option("--products", type=click.IntRange(min=1), default=3000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@share_fault_options
@click.option("--epoch-dates", is_flag=True, help="Write updated_at as Unix epoch seconds.")
@click.option(
    "--late",
    "late",
    multiple=True,
    type=click.Choice(SOURCES),
    help="Leave this source's file out (a late delivery). Repeatable.",
)
def generate(landing, day, products, seed, epoch_dates, late, **shares: float) -> None:  # fmt: skip
    """Write one delivery of sample data (catalog, labels, feedback), with optional faults."""
    from dq_pipelines.cli.sample_data import Faults, generate_delivery
    from dq_pipelines.settings import resolved

    faults = Faults(**shares, epoch_dates=epoch_dates, late_sources=tuple(late))
    report = generate_delivery(
        landing or Path(resolved("DQ_LANDING_DIR")), day.date(), n_products=products, seed=seed,
        faults=faults, progress=_progress,
    )  # fmt: skip
    for source, path in report.files.items():
        click.echo(f"{source}: {report.rows[source]:,} rows -> {path}")
    for source in report.skipped:
        click.echo(f"{source}: not delivered (late)")


@main.command()
@click.option("--products", type=click.IntRange(min=100), default=3000, show_default=True)
def demo(products: int) -> None:
    """Run a clean, a slightly dirty and a faulty delivery through the pipeline; report each."""
    home = ensure_dagster_home()
    import dagster as dg

    from dq_pipelines.cli.demo import run_demo
    from dq_pipelines.definitions import defs as load_defs
    from dq_pipelines.defs.resources import build_resources

    with dg.DagsterInstance.get() as instance:
        resources = build_resources()
        reap_before_launch(instance, resources)
        run_demo(load_defs(), instance, resources, products, click.echo)
    click.echo("")
    click.echo(f"Dagster run history: DAGSTER_HOME={home}")
    click.echo("Open the UI:          make ui   (dagster dev -w workspace.yaml)")
    click.echo("Alerts table:         dq_alerts in the DuckDB warehouse")


@main.command()
@click.argument("source")
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="Delivery date to replay, YYYY-MM-DD.",
)
def replay(source: str, day) -> None:
    """Re-ingest SOURCE's archived delivery (after a contract fix) and rebuild what it feeds."""
    ensure_dagster_home()
    import dagster as dg

    from dq_pipelines.cli.demo import QUIET, describe, summarize
    from dq_pipelines.declared.project import load_project
    from dq_pipelines.definitions import defs as load_defs
    from dq_pipelines.defs.resources import build_resources

    contracts = load_project().contracts
    if source not in contracts:
        raise click.BadParameter(
            f"unknown source; known: {', '.join(contracts)}", param_hint="SOURCE"
        )
    raw = contracts[source].raw_table
    job = dg.define_asset_job(
        f"replay_{source}", selection=dg.AssetSelection.assets(raw).downstream()
    )
    defs = dg.Definitions.merge(load_defs(), dg.Definitions(jobs=[job]))
    config = QUIET | {
        "ops": {raw: {"config": {"delivery_date": f"{day:%Y-%m-%d}", "replay": True}}}
    }
    with dg.DagsterInstance.get() as instance:
        reap_before_launch(instance, build_resources())
        result = defs.resolve_job_def(job.name).execute_in_process(
            instance=instance, run_config=config, raise_on_error=False
        )
    with dg.build_resources({"duckdb": build_resources()["duckdb"]}) as resolved:
        for line in describe(
            summarize(result, f"replay of {source} {day:%Y-%m-%d}"), resolved.duckdb
        ):
            click.echo(line)
    raise SystemExit(0 if result.success else 1)
