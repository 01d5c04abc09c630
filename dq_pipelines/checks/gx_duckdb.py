"""Great Expectations' SQL execution engine, made to work on DuckDB.

GX 1.x can run a suite inside a database through SQLAlchemy (`duckdb-engine` provides DuckDB's
dialect), but `SqlAlchemyExecutionEngine.execute_query` returns its result *after* leaving the
`with get_connection()` block. Other drivers keep the rows readable; a DuckDB cursor does not
survive its connection, so every metric comes back empty and every expectation "fails" with no
result. `DuckDBExecutionEngine` buffers the rows before the connection is released, and
`DuckDBDatasource` is a fluent SQL datasource (`context.data_sources.add_duckdb(...)`) that uses
it. tests/unit/test_gx_duckdb.py fails if a GX upgrade changes the behaviour this relies on.

Registering a fluent datasource type is how GX plugins add one; importing this module does it.
"""

import builtins
from typing import Literal

from great_expectations.datasource.fluent.sql_datasource import SQLDatasource
from great_expectations.execution_engine import SqlAlchemyExecutionEngine


class DuckDBExecutionEngine(SqlAlchemyExecutionEngine):
    """SqlAlchemyExecutionEngine whose query results are read before the connection closes."""

    def execute_query(self, query):  # type: ignore[override] # GX's own signature
        with self.get_connection() as connection:
            result = self._execute_query_with_recovery(connection, query)
            return result.freeze()()


class DuckDBDatasource(SQLDatasource):
    """A GX SQL datasource on a DuckDB file, validated with DuckDBExecutionEngine."""

    type: Literal["duckdb"] = "duckdb"  # type: ignore[assignment] # GX's discriminator pattern

    @property
    def execution_engine_type(self) -> builtins.type[SqlAlchemyExecutionEngine]:
        # `type` is a field name in this class body, hence builtins.type above.
        return DuckDBExecutionEngine
