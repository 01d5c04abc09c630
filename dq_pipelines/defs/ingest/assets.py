"""raw_<source> assets, one per source contract, with each source's delivery checks.

A raw asset stages each delivery, audits it (its suite, and the checks its contract declares to
run in the audit) and publishes what passes (wap/asset.py); after the write it also says whether
the newest delivery was accepted and is current (the contract's own checks, from the landing
records). The checks are its own check specs, so they are the same Dagster checks whether they
ran on a delivery or on their own, and a failing one stops what is built from the asset in the
same step (wap/blocked.py). Dagster's column schema change check is built by Dagster.
"""

from datetime import date, timedelta

import dagster as dg
from pydantic import Field

from dq_pipelines.checks.contract_checks import (
    acceptance_outcome,
    delivery_outcomes,
    freshness_outcome,
)
from dq_pipelines.checks.contract_rows import row_conditions
from dq_pipelines.checks.dagster_results import (
    contract_check_specs,
    ml_check_specs,
    suite_check_specs,
)
from dq_pipelines.checks.gx_runner import CheckOutcome
from dq_pipelines.checks.schema_change import COLUMN_SCHEMA, schema_change
from dq_pipelines.declared.contract_checks import (
    ACCEPTANCE_CHECK,
    DAGSTER,
    FRESHNESS_CHECK,
    OWN,
    contract_check,
    contract_checks,
)
from dq_pipelines.declared.contracts import SourceContract
from dq_pipelines.declared.project import Project, load_project
from dq_pipelines.declared.schemas import column_schema
from dq_pipelines.landing.delivery_step import write_delivery
from dq_pipelines.landing.ingest import LandingZone
from dq_pipelines.runs.reaper import run_is_over
from dq_pipelines.storage.warehouse import DuckDBWarehouse
from dq_pipelines.wap.asset import Audited, Written, run_wap_asset, wap_multi_asset


class DeliveryConfig(dg.Config):
    """Which delivery to load; empty means the newest one in the landing folder."""

    delivery_date: str = ""
    replay: bool = Field(
        default=False,
        description="Re-ingest the delivery's archived files (e.g. after a contract fix), "
        "even if the same bytes were loaded before.",
    )


def raw_asset_spec(contract: SourceContract, project: Project) -> dg.AssetSpec:
    raw = contract.raw_table
    return dg.AssetSpec(
        raw,
        group_name="ingest",
        description=f"Delivered '{contract.name}' rows in their declared types, with the "
        "delivered text and lineage, published after their audit. " + contract.description,
        kinds={"duckdb", contract.format},
        # Evaluated by Dagster's freshness daemon; alert_on_failed_checks reports a FAIL.
        freshness_policy=dg.FreshnessPolicy.time_window(
            fail_window=timedelta(days=contract.freshness.max_delivery_lag_days + 1)
        ),
        metadata={
            "contract": str(contract.path.name),
            "dagster/column_schema": column_schema(project.schemas[raw]),
        },
    )


def build_raw_asset(contract: SourceContract, project: Project) -> dg.AssetsDefinition:
    suite = project.suites.get(contract.raw_table)
    audited = Audited(
        contract.raw_table,
        suite,
        contract.max_quarantine_share,
        # On a staged delivery its format profiles join the history; on the published table
        # nothing is recorded.
        staged_checks=lambda conn, table: delivery_outcomes(conn, contract, table, record=True),
        published_checks=lambda conn, table: delivery_outcomes(conn, contract, table, False),
        row_conditions=lambda table: row_conditions(contract, table),
        ml_checks=tuple(project.ml_checks.get(contract.raw_table, ())),
    )
    check_specs = (suite_check_specs(suite, project) if suite else []) + contract_check_specs(
        contract, project
    )
    check_specs += ml_check_specs(audited.ml_checks, project)
    check_specs += contract_check_specs(contract, project, runs=OWN)
    check_specs += contract_check_specs(contract, project, runs=DAGSTER)

    @wap_multi_asset(raw_asset_spec(contract, project), check_specs)
    def raw_asset(
        context: dg.AssetExecutionContext,
        config: DeliveryConfig,
        duckdb: DuckDBWarehouse,
        landing: LandingZone,
    ):
        requested = date.fromisoformat(config.delivery_date) if config.delivery_date else None
        yield from run_wap_asset(
            context,
            duckdb,
            audited,
            lambda: write_delivery(
                duckdb,
                landing,
                contract,
                context.run_id,
                requested,
                config.replay,
                run_is_over(context.instance),
            ),
            lambda written: own_check_outcomes(
                contract, project, duckdb, landing, context.instance, written
            ),
        )

    return raw_asset


def own_check_outcomes(
    contract: SourceContract,
    project: Project,
    duckdb: DuckDBWarehouse,
    landing: LandingZone,
    instance: dg.DagsterInstance,
    written: Written | None,
) -> list[CheckOutcome]:
    """Whether the source's newest delivery was accepted, how far behind the newest delivery
    of any source it is (from the landing records, after the write), and whether its columns
    changed (against the last materialization; `written` None: checks run on their own)."""
    accepted = contract_check(contract, ACCEPTANCE_CHECK)
    current = contract_check(contract, FRESHNESS_CHECK)
    expected = landing.newest_delivery(list(project.contracts.values()))
    outcomes = [
        acceptance_outcome(duckdb, accepted, contract.name),
        freshness_outcome(duckdb, contract, current, expected),
    ]
    delivered = (written.metadata if written else {}).get(COLUMN_SCHEMA)
    for check in contract_checks(contract, runs=DAGSTER):  # the column schema change check
        passed, said = schema_change(instance, dg.AssetKey(check.asset), delivered)
        outcomes.append(CheckOutcome(check.name, passed, check.severity, description=said))
    return outcomes


@dg.definitions
def ingest() -> dg.Definitions:
    project = load_project()
    contracts = project.contracts.values()
    return dg.Definitions(
        assets=[build_raw_asset(c, project) for c in contracts],
    )
