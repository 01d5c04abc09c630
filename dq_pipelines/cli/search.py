"""`dq-pipelines search "office chair"`: query the serving product-search index from a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from dq_pipelines.ml.search_index import SearchHit


def results_table(hits: list[SearchHit]) -> list[str]:
    """The hits as an aligned text table: rank, score, product, category, title."""
    header = ("#", "score", "product_id", "category", "title")
    rows = [header]
    rows += [(str(h.rank), f"{h.score:.3f}", h.product_id, h.category or "-", h.title)
             for h in hits]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


@click.command()
@click.argument("query")
@click.option("--k", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many products to show.")  # fmt: skip
def search(query: str, k: int) -> None:
    """Search the products with the serving (champion) search index; prints scores."""
    if not query.strip():
        raise click.UsageError("the search query is empty")
    from dq_pipelines.declared.project import SEARCH_ASSET
    from dq_pipelines.ml.champion import NoModelError, champion_version
    from dq_pipelines.ml.model_store import ModelStore
    from dq_pipelines.settings import resolved
    from dq_pipelines.storage.warehouse import DuckDBWarehouse

    warehouse = Path(resolved("DQ_DUCKDB_PATH") or "")
    if not warehouse.exists():
        raise click.ClickException(
            f"no warehouse at {warehouse}, so no search index yet: run the pipeline first "
            "(dq-pipelines demo, or the train_job in the Dagster UI)"
        )
    try:
        with DuckDBWarehouse(path=str(warehouse)).connect() as conn:
            version = champion_version(conn, SEARCH_ASSET)
        store = ModelStore(path=resolved("DQ_ARTIFACTS_DIR") or "")
        index = store.load_search_index(SEARCH_ASSET, version)
    except (NoModelError, FileNotFoundError, ValueError, TypeError) as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"{SEARCH_ASSET} {version} ({index.backend}, {len(index):,} products)")
    for line in results_table(index.search(query, k)):
        click.echo(line)
