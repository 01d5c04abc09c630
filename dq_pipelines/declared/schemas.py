"""Column schemas of every table, known before anything runs.

Raw tables follow their contract; SQL models are planned by DuckDB itself against empty
tables, so a suite naming a column that a model does not produce fails at load time.
"""

from collections.abc import Iterable, Mapping

import dagster as dg
import duckdb

from dq_pipelines.declared.contracts import SourceContract
from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.declared.sql_models import SqlModel
from dq_pipelines.declared.typed_columns import DELIVERED, delivered_type
from dq_pipelines.storage.identifiers import quote_identifier

# Lineage columns added by ingest to every raw row.
RAW_LINEAGE_COLUMNS: dict[str, str] = {
    "_delivery_date": "DATE",
    "_source_file": "VARCHAR",
    "_load_id": "VARCHAR",
}

TableSchema = dict[str, str]


def raw_schema(contract: SourceContract) -> TableSchema:
    """Raw tables carry their declared types, and each row's delivered text in `_delivered`
    (declared/typed_columns.py), so a bad value is kept, never lost at load."""
    typed = {c.name: c.type for c in contract.columns}
    return typed | RAW_LINEAGE_COLUMNS | {DELIVERED: delivered_type(contract)}


def create_table_sql(table: str, schema: TableSchema) -> str:
    """DDL for an empty table with this schema (kept if it exists)."""
    columns = ", ".join(f"{quote_identifier(name)} {type_}" for name, type_ in schema.items())
    return f"create table if not exists {quote_identifier(table)} ({columns})"


def infer_schemas(
    contracts: Iterable[SourceContract], models: Mapping[str, SqlModel]
) -> dict[str, TableSchema]:
    """Schemas of raw tables and SQL models (models given in dependency order)."""
    schemas: dict[str, TableSchema] = {}
    with duckdb.connect(":memory:") as conn:
        for contract in contracts:
            schemas[contract.raw_table] = raw_schema(contract)
            conn.execute(create_table_sql(contract.raw_table, schemas[contract.raw_table]))
        for model in models.values():
            try:
                table = quote_identifier(model.name)
                conn.execute(f"create table {table} as {model.sql} limit 0")
            except duckdb.Error as e:
                raise DefinitionFileError(model.path, f"DuckDB cannot plan this model: {e}") from e
            rows = conn.execute(f"describe {table}").fetchall()
            schemas[model.name] = {row[0]: row[1] for row in rows}
    return schemas


def column_schema(schema: TableSchema) -> dg.TableSchema:
    """A table schema as Dagster column-schema metadata, shown in the UI's column view."""
    return dg.TableSchema(columns=[dg.TableColumn(name, type_) for name, type_ in schema.items()])
