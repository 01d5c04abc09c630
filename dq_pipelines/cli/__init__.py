"""`dq-pipelines <verb>`: what people do outside the Dagster UI.

Arguments are checked before Dagster or Great Expectations is imported (seconds of imports), so
a wrong source or date is refused at once; each verb imports what it runs inside its body.
"""

from datetime import datetime
from pathlib import Path

import click

from dq_pipelines.cli.arguments import DATE, SAMPLE_SOURCES, SOURCE, source_names
from dq_pipelines.cli.models import model
from dq_pipelines.cli.review import review
from dq_pipelines.cli.scorecard import scorecard
from dq_pipelines.cli.search import search
from dq_pipelines.layout import PROJECT_ROOT

INSTANCE_CONFIG = Path(__file__).parents[1] / "instance_dagster.yaml"
DEMO_DIR = PROJECT_ROOT / "demo"


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
    "flipped_labels": "Share of products whose majority label is wrong (2 of 3 annotators agree "
    "on one wrong category drawn uniformly).",
    "class_flipped_labels": "Share of each category's products whose majority label is ONE "
    "confusable category (lamps -> desks, chairs -> sofas, ...).",
    "missing_labels": "Share of products without any label row.",
    "drift": "Drift strength, 0 (off) to 1: the category mix, prices and title words shift.",
    "pii_in_descriptions": "Share of catalog descriptions carrying the seller's e-mail or phone.",
    "serving_missing_description": "Share of inference requests with an empty description.",
    "serving_short_titles": "Share of inference requests whose title is cut to one word.",
    "ctr_drop": "Relative fall of the click probability in the feedback (0.5 halves the CTR).",
}


def share_fault_options(command):
    for name, help_text in reversed(SHARE_FAULTS.items()):
        option = click.option(
            f"--{name.replace('_', '-')}", name, type=click.FloatRange(0, 1), default=0.0,
            help=help_text,
        )  # fmt: skip
        command = option(command)
    return command


def _existing_delivery(landing: Path, day: str) -> list[str]:
    """The sample sources that already have files for `day` in the landing folder."""
    return [s for s in SAMPLE_SOURCES if any((landing / s / day).glob("*"))]


@main.command()
@click.option(
    "--landing",
    type=click.Path(path_type=Path),
    default=None,
    help="Landing folder (default: $DQ_LANDING_DIR or data/landing).",
)
@click.option("--date", "day", type=DATE, required=True, help="Delivery date, YYYY-MM-DD.")
@click.option("--products", type=click.IntRange(min=1), default=3000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@share_fault_options
@click.option("--epoch-dates", is_flag=True, help="Write updated_at as Unix epoch seconds.")
@click.option(
    "--rogue-annotator",
    is_flag=True,
    help="An extra annotator, ann_rogue, labels 20% of the products at random (one of their "
    "three labels).",
)
@click.option(
    "--missing-labels-category",
    metavar="CATEGORY",
    default=None,
    help="A category whose products get no labels at all (e.g. lamps).",
)
@click.option(
    "--late",
    "late",
    multiple=True,
    type=click.Choice(SAMPLE_SOURCES),
    help="Leave this source's file out (a late delivery). Repeatable.",
)
@click.option("--force", is_flag=True, help="Overwrite (or, with --late, delete) a delivery.")
def generate(landing, day, products, seed, epoch_dates, late, force, **faults) -> None:
    """Write one delivery of sample data (catalog, labels, feedback, requests), with faults."""
    from dq_pipelines.cli.sample_data import Faults, generate_delivery
    from dq_pipelines.settings import resolved

    landing = landing or Path(resolved("DQ_LANDING_DIR"))
    existing = _existing_delivery(landing, f"{day:%Y-%m-%d}")
    if existing and not force:
        raise click.UsageError(
            f"a delivery of {day:%Y-%m-%d} is already in {landing} ({', '.join(existing)}); "
            "pass --force to overwrite it (and, with --late, delete a late source's file)"
        )
    try:
        chosen = Faults(**faults, epoch_dates=epoch_dates, late_sources=tuple(late))
    except ValueError as e:  # e.g. an unknown --missing-labels-category, shares above 1 together
        raise click.UsageError(str(e)) from e
    report = generate_delivery(
        landing, day.date(), n_products=products, seed=seed, faults=chosen, progress=_progress
    )
    for source, path in report.files.items():
        click.echo(f"{source}: {report.rows[source]:,} rows -> {path}")
    for source in report.skipped:
        click.echo(f"{source}: not delivered (late)")
    click.echo(f"next: dq-pipelines ingest --date {day:%Y-%m-%d}")


@main.command()
@click.argument("sources", nargs=-1, type=SOURCE)
@click.option("--date", "day", type=DATE, default=None, help="Delivery date (default: newest).")
def ingest(sources: tuple[str, ...], day: datetime | None) -> None:
    """Load SOURCES' deliveries (default: every source) into their raw and staging tables,
    with their checks; exits 1 if nothing was loaded or a blocking check failed."""
    from dq_pipelines.cli.launch import NothingToDo, ingest_plan, launch
    from dq_pipelines.declared.project import load_project
    from dq_pipelines.settings import resolved

    landing = Path(resolved("DQ_LANDING_DIR") or "")
    plan, skipped = ingest_plan(
        load_project(), landing, sources or tuple(source_names()), day.date() if day else None
    )
    for reason in skipped:
        click.echo(f"skipped: {reason}", err=True)
    if plan is None:
        raise NothingToDo("nothing to ingest")
    _report(launch(plan, click.echo))


@main.command()
@click.argument("source", type=SOURCE)
@click.option("--date", "day", type=DATE, required=True, help="Delivery date to replay.")
def replay(source: str, day: datetime) -> None:
    """Re-ingest SOURCE's archived delivery (after a contract fix) and rebuild what it feeds."""
    from dq_pipelines.cli.launch import launch, replay_plan
    from dq_pipelines.declared.project import load_project
    from dq_pipelines.settings import resolved

    warehouse = Path(resolved("DQ_DUCKDB_PATH") or "")
    plan = replay_plan(load_project(), warehouse, source, day.date())
    _report(launch(plan, click.echo))


def _report(outcome) -> None:
    """Print a run's summary; exit 1 if it failed, a blocking check failed (the run itself
    succeeds: the delivery was held and what it feeds blocked) or it did nothing, saying so."""
    import dagster as dg

    from dq_pipelines.cli.launch import NothingToDo
    from dq_pipelines.cli.summary import describe
    from dq_pipelines.defs.resources import build_resources

    with dg.build_resources({"duckdb": build_resources()["duckdb"]}) as built:
        for line in describe(outcome, built.duckdb):
            click.echo(line)
    if outcome.did_nothing:
        raise NothingToDo("nothing was loaded (see above)")
    if not outcome.success or outcome.blocked_by:
        raise SystemExit(1)


@main.command()
def status() -> None:
    """Per source: its latest load, its publication and the checks failing in its latest run."""
    import dagster as dg

    from dq_pipelines.cli.launch import ensure_dagster_home
    from dq_pipelines.cli.status import status_lines
    from dq_pipelines.declared.project import load_project
    from dq_pipelines.settings import resolved

    ensure_dagster_home()
    with dg.DagsterInstance.get() as instance:
        lines = status_lines(load_project(), Path(resolved("DQ_DUCKDB_PATH") or ""), instance)
    for line in lines:
        click.echo(line)


@main.command()
@click.option("--products", type=click.IntRange(min=100), default=3000, show_default=True)
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEMO_DIR,
    help="The demo's own folder, emptied at each start.",
    show_default=True,
)
@click.option("--verbose", is_flag=True, help="Also print every alert's text.")
def demo(products: int, folder: Path, verbose: bool) -> None:
    """Run a clean, a slightly dirty and a faulty delivery through the pipeline; report each."""
    import dagster as dg

    from dq_pipelines.cli.demo import demo_folder, run_demo
    from dq_pipelines.definitions import defs as load_defs
    from dq_pipelines.defs.resources import build_resources

    with demo_folder(folder.resolve(), click.echo) as places, dg.DagsterInstance.get() as instance:
        run_demo(load_defs(), instance, build_resources(), products, click.echo, verbose)
    click.echo("")
    click.echo("To look around in the UI, with the demo's instance and warehouse:")
    click.echo("  " + " ".join(f"{k}={v}" for k, v in places.items()) + " make ui")


main.add_command(review)
main.add_command(model)
main.add_command(scorecard)
main.add_command(search)
