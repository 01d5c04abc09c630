"""`dq-pipelines scorecard`: render the scorecard page from the configured warehouse."""

from pathlib import Path

import click

from dq_pipelines.report import DEFAULT_RUNS


@click.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where to write the page (default: $DQ_REPORTS_DIR/scorecard.html).",
)
@click.option(
    "--runs",
    type=click.IntRange(min=1),
    default=DEFAULT_RUNS,
    show_default=True,
    help="Each asset's last N runs: pass rates, worst checks and trends.",
)
def scorecard(out: Path | None, runs: int) -> None:
    """Write the data-quality scorecard (one self-contained HTML page) from the warehouse."""
    from dq_pipelines.declared.project import load_project
    from dq_pipelines.report.site import PAGE_NAME, write_scorecard
    from dq_pipelines.settings import resolved
    from dq_pipelines.storage.warehouse import DuckDBWarehouse

    path = out or Path(resolved("DQ_REPORTS_DIR") or "") / PAGE_NAME
    warehouse = DuckDBWarehouse(path=resolved("DQ_DUCKDB_PATH") or "")
    write_scorecard(warehouse, load_project(), path, runs, resolved("DQ_DAGSTER_URL"))
    click.echo(f"scorecard written to {path}")
