"""raw_<source> assets, one per source contract, and each source's delivery freshness check."""

import uuid
from datetime import date

import dagster as dg

from dq_pipelines.lib.check_results import to_check_result
from dq_pipelines.lib.contracts import SourceContract
from dq_pipelines.lib.ingest import LandingZone, choose_delivery, load_delivery
from dq_pipelines.lib.project import FRESHNESS_CHECK, Project, load_project
from dq_pipelines.lib.schemas import column_schema
from dq_pipelines.lib.validation import CheckOutcome
from dq_pipelines.lib.warehouse import DuckDBWarehouse


class DeliveryConfig(dg.Config):
    """Which delivery to load; empty means the newest one in the landing folder."""

    delivery_date: str = ""


def build_raw_asset(contract: SourceContract, project: Project) -> dg.AssetsDefinition:
    @dg.asset(
        name=contract.raw_table,
        group_name="ingest",
        description=f"Delivered '{contract.name}' rows as text, with lineage. "
        + contract.description,
        kinds={"duckdb", contract.format},
        metadata={
            "contract": str(contract.path.name),
            "dagster/column_schema": column_schema(project.schemas[contract.raw_table]),
        },
    )
    def raw_asset(
        context: dg.AssetExecutionContext,
        config: DeliveryConfig,
        duckdb: DuckDBWarehouse,
        landing: LandingZone,
    ) -> dg.MaterializeResult:
        requested = date.fromisoformat(config.delivery_date) if config.delivery_date else None
        delivery_date, files = choose_delivery(contract, landing.root, requested)
        load_id = f"{contract.name}-{delivery_date}-{uuid.uuid4().hex[:8]}"
        with duckdb.connect() as conn:
            result = load_delivery(conn, contract, delivery_date, files, load_id)
            conn.execute(
                "insert into dq_loads values (?, ?, ?, ?, ?, now(), ?)",
                [
                    load_id,
                    contract.name,
                    delivery_date,
                    [str(f) for f in files],
                    result.row_count,
                    context.run_id,
                ],
            )
        context.log.info(f"loaded {result.row_count} rows of {contract.name} {delivery_date}")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": result.row_count,
                "delivery_date": str(delivery_date),
                "load_id": load_id,
                "files": [str(f) for f in files],
            }
        )

    return raw_asset


def build_freshness_check(contract: SourceContract, project: Project) -> dg.AssetChecksDefinition:
    spec = contract.freshness

    @dg.asset_check(
        asset=contract.raw_table,
        name=FRESHNESS_CHECK,
        blocking=project.is_blocking(contract.raw_table, spec.severity),
        description=(
            f"The loaded '{contract.name}' delivery is at most {spec.max_delivery_lag_days} day(s) "
            "older than the newest delivery of any source (a late delivery fails)."
        ),
    )
    def freshness_check(duckdb: DuckDBWarehouse, landing: LandingZone) -> dg.AssetCheckResult:
        (loaded,) = duckdb.query(f"select max(_delivery_date) from {contract.raw_table}").iloc[0]
        expected = landing.newest_delivery(list(project.contracts.values()))
        lag = (expected - loaded.date()).days if expected and loaded is not None else None
        outcome = CheckOutcome(
            check_name=FRESHNESS_CHECK,
            passed=lag is not None and lag <= spec.max_delivery_lag_days,
            severity=spec.severity,
            description=f"loaded delivery {loaded.date() if loaded else None}, newest {expected}",
            observed_value=lag,
            details={"max_delivery_lag_days": spec.max_delivery_lag_days},
        )
        return to_check_result(contract.raw_table, outcome)

    return freshness_check


@dg.definitions
def ingest() -> dg.Definitions:
    project = load_project()
    contracts = project.contracts.values()
    return dg.Definitions(
        assets=[build_raw_asset(c, project) for c in contracts],
        asset_checks=[build_freshness_check(c, project) for c in contracts],
    )
