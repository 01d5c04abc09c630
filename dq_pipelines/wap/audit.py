"""The audit: every check of an asset on one copy of its table, staged or published."""

from collections.abc import Callable, Iterable

import duckdb

from dq_pipelines.checks.gx_runner import CheckOutcome, TableRef, validate_table
from dq_pipelines.declared.project import DeclaredCheck
from dq_pipelines.declared.suites import SuiteSpec
from dq_pipelines.storage.warehouse import DuckDBWarehouse

# Checks an asset computes itself on a table (given as SQL), beside its GX suite.
TableChecks = Callable[[duckdb.DuckDBPyConnection, str], list[CheckOutcome]]
# The failing-row condition of each of those that is row-level, by check name, on a table's SQL.
RowConditions = Callable[[str], dict[str, str]]


def audit(
    warehouse: DuckDBWarehouse,
    suite: SuiteSpec | None,
    table: TableRef,
    table_checks: TableChecks | None = None,
) -> list[CheckOutcome]:
    """Every check of an asset on one copy of its table: staged, or published.

    The asset's own checks run on a connection closed before the suite runs: GX opens one of
    its own, configured differently, and DuckDB refuses that while another is open.
    """
    outcomes: list[CheckOutcome] = []
    if table_checks is not None:
        with warehouse.connect() as conn:
            outcomes += table_checks(conn, table.sql)
    if suite is not None:
        outcomes += validate_table(suite, warehouse, table.table, table.schema)
    return outcomes


def require_published(warehouse: DuckDBWarehouse, asset: str) -> None:
    """Checks run on their own read the published table; say so if there is none yet."""
    if not warehouse.table_exists(asset):
        raise NothingPublishedError(
            f"{asset} has never been published: materialize it before running its checks alone"
        )


class NothingPublishedError(RuntimeError):
    """Checks were run on their own for an asset that has no published version."""


def nothing_published(asset: str, checks: Iterable[DeclaredCheck]) -> list[CheckOutcome]:
    """Outcomes for an asset that has never published a version: nothing to check is a fail."""
    return [
        CheckOutcome(
            check_name=c.name,
            passed=False,
            severity=c.severity,
            description=f"{asset} has never been published: there is nothing to check yet",
        )
        for c in checks
        if c.asset == asset
    ]
