"""`dq-pipelines review`: work through the label review queue from the terminal."""

import getpass
from pathlib import Path

import click


def _warehouse() -> Path:
    from dq_pipelines.settings import resolved

    return Path(resolved("DQ_DUCKDB_PATH") or "")


@click.group()
def review() -> None:
    """The label review queue: items a label audit found suspicious."""


@review.command("list")
@click.option("--asset", default=None, help="Only this asset's items (default: every asset).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
def list_items(asset: str | None, limit: int) -> None:
    """Pending items, most suspicious (lowest confidence in the given label) first."""
    import duckdb

    from dq_pipelines.checks.label_review import pending_reviews
    from dq_pipelines.storage.ops_tables import ensure_ops_tables

    with duckdb.connect(str(_warehouse())) as conn:
        ensure_ops_tables(conn)
        pending = pending_reviews(conn, asset, limit)
    if pending.empty:
        click.echo("nothing to review")
        return
    for row in pending.itertuples(index=False):
        click.echo(
            f"{row.asset} {row.item_id}: labelled '{row.given_label}', looks like "
            f"'{row.suggested_label}' (confidence {row.confidence:.3f}, flagged "
            f"{row.times_flagged}x): {row.text}"
        )


@review.command("mark")
@click.argument("item_id")
@click.argument("verdict", type=click.Choice(["correct", "wrong"]))
@click.option("--asset", default="training_set", show_default=True)
@click.option("--reviewer", default=None, help="Who decided (default: the current user).")
def mark(item_id: str, verdict: str, asset: str, reviewer: str | None) -> None:
    """Record VERDICT on ITEM_ID: `correct` (the label stands; not flagged again for it) or
    `wrong` (to be fixed at the source)."""
    import duckdb

    from dq_pipelines.checks.label_review import record_verdict
    from dq_pipelines.storage.ops_tables import ensure_ops_tables

    with duckdb.connect(str(_warehouse())) as conn:
        ensure_ops_tables(conn)
        settled = record_verdict(conn, asset, item_id, verdict, reviewer or getpass.getuser())
    if not settled:
        raise click.ClickException(f"{asset} has no pending review for item {item_id!r}")
    click.echo(f"{asset} {item_id}: marked {verdict}")
