"""Loading a source's delivery files into its raw table with DuckDB's own readers."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from dq_pipelines.lib.contracts import SourceContract


class DeliveryError(ValueError):
    """A delivery that cannot be loaded as its contract describes."""


@dataclass(frozen=True)
class LoadResult:
    load_id: str
    delivery_date: date
    files: tuple[Path, ...]
    row_count: int


class LandingZone(dg.ConfigurableResource):
    """The folder where sources drop their deliveries: <source>/<YYYY-MM-DD>/<file>."""

    path: str = "data/landing"

    @property
    def root(self) -> Path:
        return Path(self.path)

    def newest_delivery(self, contracts: list[SourceContract]) -> date | None:
        """The newest delivery date of any source: what every source is expected to have."""
        dates = [d for c in contracts for d in c.deliveries(self.root)]
        return max(dates, default=None)


def choose_delivery(
    contract: SourceContract, landing: Path, requested: date | None
) -> tuple[date, list[Path]]:
    deliveries = contract.deliveries(landing)
    if not deliveries:
        raise DeliveryError(
            f"no delivery of '{contract.name}' in {landing} (pattern {contract.path_pattern})"
        )
    if requested is None:
        return next(reversed(deliveries.items()))
    if requested not in deliveries:
        raise DeliveryError(
            f"no '{contract.name}' delivery for {requested}; available: "
            f"{', '.join(map(str, deliveries))}"
        )
    return requested, deliveries[requested]


def load_delivery(
    conn: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    delivery_date: date,
    files: list[Path],
    load_id: str,
) -> LoadResult:
    """Replace the raw table with this delivery, as text, with lineage columns on every row."""
    relation = conn.read_csv([str(f) for f in files], header=True, all_varchar=True, filename=True)
    missing = [c for c in contract.column_names if c not in relation.columns]
    if missing:
        raise DeliveryError(
            f"'{contract.name}' delivery {delivery_date} lacks declared column(s) {missing}; "
            f"it has {[c for c in relation.columns if c != 'filename']}"
        )
    columns = ", ".join(f'"{c}"' for c in contract.column_names)
    conn.execute(
        f"""create or replace table {contract.raw_table} as
            select {columns}, ?::date as _delivery_date, filename as _source_file,
                   ?::varchar as _load_id
            from read_csv(?, header = true, all_varchar = true, filename = true)""",
        [delivery_date, load_id, [str(f) for f in files]],
    )
    (rows,) = conn.execute(f"select count(*) from {contract.raw_table}").fetchone()
    return LoadResult(load_id, delivery_date, tuple(files), rows)
