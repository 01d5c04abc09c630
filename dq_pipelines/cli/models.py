"""`dq-pipelines model`: the model registry from the terminal: versions and their status, and
rolling the model in service back to an earlier champion."""

from pathlib import Path

import click


def _warehouse() -> Path:
    from dq_pipelines.settings import resolved

    return Path(resolved("DQ_DUCKDB_PATH") or "")


@click.group()
def model() -> None:
    """Model versions: which one is in service (the champion), and rollback."""


@model.command("list")
@click.option("--model-asset", default="category_model", show_default=True)
def list_versions(model_asset: str) -> None:
    """Every version, newest first: status, why, and its golden cases."""
    import duckdb

    from dq_pipelines.storage.ops_tables import ensure_ops_tables

    with duckdb.connect(str(_warehouse())) as conn:
        ensure_ops_tables(conn)
        rows = conn.execute(
            "select model_version, status, status_reason, trained_at from dq_model_registry "
            "where model_asset = ? order by trained_at desc",
            [model_asset],
        ).fetchall()
    if not rows:
        click.echo(f"no trained {model_asset} yet")
    for version, status, reason, trained_at in rows:
        click.echo(f"{version}  {status.upper():<10} trained {trained_at:%Y-%m-%d %H:%M}  {reason}")


@model.command()
@click.option("--model-asset", default="category_model", show_default=True)
@click.option("--to", "to_version", default=None, help="Version to put back (default: the "
              "champion before the current one).")  # fmt: skip
def rollback(model_asset: str, to_version: str | None) -> None:
    """Put an earlier champion back in service (recorded in dq_model_registry)."""
    import duckdb

    from dq_pipelines.storage import model_registry
    from dq_pipelines.storage.ops_tables import ensure_ops_tables

    with duckdb.connect(str(_warehouse())) as conn:
        ensure_ops_tables(conn)
        try:
            replaced, champion = model_registry.rollback(conn, model_asset, to_version)
        except LookupError as e:
            raise click.ClickException(str(e)) from e
    click.echo(f"{model_asset}: {champion} is the champion again (was {replaced or 'none'})")
