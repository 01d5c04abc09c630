"""What an ML check reads: the audited version of its asset, and what it is compared with."""

from dataclasses import dataclass

import duckdb
import pandas as pd

from dq_pipelines.checks.row_conditions import sql_literal
from dq_pipelines.declared.project import MODEL_ASSET
from dq_pipelines.storage import model_registry
from dq_pipelines.storage.identifiers import quote_identifier
from dq_pipelines.storage.warehouse import table_exists


@dataclass(frozen=True)
class MlAudit:
    """One audit of one asset's version, as its ML checks see it."""

    conn: duckdb.DuckDBPyConnection
    asset: str
    table_sql: str  # the audited version: a (schema-qualified) table reference
    staged: bool  # a new version (compared with the published one; may record reviews)

    def frame(self, columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
        """The audited version's columns, in a stable row order."""
        return _select(self.conn, self.table_sql, columns)

    def row_count(self) -> int:
        row = self.conn.execute(f"select count(*) from {self.table_sql}").fetchone()
        return int(row[0]) if row else 0

    def published(self, columns: tuple[str, ...] | list[str]) -> pd.DataFrame | None:
        """The version published before this one (None when re-checking the published table
        itself, or when nothing was published yet)."""
        if not self.staged or not table_exists(self.conn, self.asset):
            return None
        return _select(self.conn, quote_identifier(self.asset), columns)

    def other_table(self, table: str, columns: tuple[str, ...] | list[str]) -> pd.DataFrame | None:
        """Another asset's published table (None if it has none yet)."""
        if not table_exists(self.conn, table):
            return None
        return _select(self.conn, quote_identifier(table), columns)

    def champion_training_data(self) -> tuple[str, pd.DataFrame] | None:
        """The training data of the model in service (the champion), with its version (None
        before a first promotion, or for a champion trained before its data was kept)."""
        row = model_registry.champion(self.conn, MODEL_ASSET)
        if row is None or not row["training_data_path"]:
            return None
        path = sql_literal(row["training_data_path"])
        data = self.conn.execute(f"select * from read_parquet({path})").df()
        return str(row["model_version"]), data


def _select(
    conn: duckdb.DuckDBPyConnection, table_sql: str, columns: tuple[str, ...] | list[str]
) -> pd.DataFrame:
    """Columns of a table reference (or table function); every row, ordered by the first
    column so that sampling and cross-validation folds do not depend on storage order."""
    names = ", ".join(quote_identifier(c) for c in columns)
    first = quote_identifier(columns[0])
    return conn.execute(f"select {names} from {table_sql} as t order by {first}").df()
