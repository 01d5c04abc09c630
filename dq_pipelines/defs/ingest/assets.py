"""raw_<source> assets, one per source contract, with each source's delivery checks.

A raw asset stages each delivery, audits it (its suite, and the format and age checks its
contract declares) and publishes what passes (publish.py); the checks are its own check specs,
so they are the same Dagster checks whether they ran on a delivery or on their own.
"""

import uuid
from datetime import date, timedelta

import dagster as dg
import duckdb
from pydantic import Field

from dq_pipelines.checks.contract_checks import delivery_outcomes
from dq_pipelines.checks.dagster_results import selected_results, suite_check_specs, to_check_result
from dq_pipelines.checks.gx_runner import CheckOutcome, TableRef, quote_identifier
from dq_pipelines.declared.contracts import SourceContract
from dq_pipelines.declared.project import (
    ACCEPTANCE_CHECK,
    AGE_CHECK_SEVERITY,
    FORMAT_CHECK_SEVERITY,
    FRESHNESS_CHECK,
    Project,
    age_check_name,
    format_check_name,
    load_project,
)
from dq_pipelines.declared.schemas import column_schema
from dq_pipelines.landing.archive import archived_delivery
from dq_pipelines.landing.ingest import (
    DeliveryError,
    LandingZone,
    choose_delivery,
    receive,
    record_publication,
    stage_delivery,
)
from dq_pipelines.runs.reaper import run_is_over
from dq_pipelines.storage.warehouse import DUCKDB_POOL, DuckDBWarehouse
from dq_pipelines.wap.publish import (
    HELD,
    audit,
    audit_and_publish,
    nothing_published,
    require_published,
)


class DeliveryConfig(dg.Config):
    """Which delivery to load; empty means the newest one in the landing folder."""

    delivery_date: str = ""
    replay: bool = Field(
        default=False,
        description="Re-ingest the delivery's archived files (e.g. after a contract fix), "
        "even if the same bytes were loaded before.",
    )


def contract_check_specs(contract: SourceContract, project: Project) -> list[dg.AssetCheckSpec]:
    """The format and age checks a contract declares, computed on each staged delivery."""
    raw = contract.raw_table

    def spec(name: str, severity: str, description: str) -> dg.AssetCheckSpec:
        blocking = project.is_blocking(raw, severity)
        return dg.AssetCheckSpec(name, asset=raw, blocking=blocking, description=description)

    formats = [
        spec(
            format_check_name(col.name),
            FORMAT_CHECK_SEVERITY,
            f"'{col.name}' values are in a format the contract accepts "
            f"({', '.join(col.formats)}); a change is diagnosed, not just failed.",
        )
        for col in contract.formatted_columns
    ]
    ages = [
        spec(
            age_check_name(col.name),
            AGE_CHECK_SEVERITY,
            f"The newest '{col.name}' is at most {col.max_age_days} day(s) older than the "
            "delivery: the data itself is fresh, not only the file.",
        )
        for col in contract.columns
        if col.max_age_days is not None
    ]
    return formats + ages


def build_raw_asset(contract: SourceContract, project: Project) -> dg.AssetsDefinition:
    raw = contract.raw_table
    suite = project.suites.get(raw)

    def delivery_checks(conn: duckdb.DuckDBPyConnection, table: str) -> list[CheckOutcome]:
        """On a staged delivery: its format profiles join the history."""
        return delivery_outcomes(conn, contract, table, record=True)

    def table_checks(conn: duckdb.DuckDBPyConnection, table: str) -> list[CheckOutcome]:
        """On the published table, again: nothing is recorded."""
        return delivery_outcomes(conn, contract, table, record=False)

    @dg.multi_asset(
        name=raw,
        specs=[
            dg.AssetSpec(
                raw,
                group_name="ingest",
                description=f"Delivered '{contract.name}' rows as text, with lineage, published "
                "after their audit. " + contract.description,
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
        ],
        check_specs=(suite_check_specs(suite, project) if suite else [])
        + contract_check_specs(contract, project),
        can_subset=True,
        pool=DUCKDB_POOL,
    )
    def raw_asset(
        context: dg.AssetExecutionContext,
        config: DeliveryConfig,
        duckdb: DuckDBWarehouse,
        landing: LandingZone,
    ):
        published = TableRef(raw)
        if not context.selected_asset_keys:  # checks run on their own: audit what is published
            require_published(duckdb, raw)
            yield from selected_results(context, raw, audit(duckdb, suite, published, table_checks))
            return
        requested = date.fromisoformat(config.delivery_date) if config.delivery_date else None
        load_id = f"{contract.name}-{uuid.uuid4().hex[:12]}"
        if config.replay:
            if requested is None:
                raise DeliveryError("replay needs a delivery_date")
            with duckdb.connect() as conn:
                files = archived_delivery(conn, contract.name, requested)
            if not files:
                raise DeliveryError(f"no archived '{contract.name}' delivery for {requested}")
            delivery_date, root = requested, landing.archive_root
        else:
            delivery_date, files = choose_delivery(contract, landing.root, requested)
            root = landing.root
        # Read and archived before the warehouse is opened: a slow read never holds its file.
        received = receive(contract.name, root, delivery_date, files, landing.archive_root)
        with duckdb.connect() as conn:
            outcome = stage_delivery(
                conn,
                contract,
                received,
                load_id,
                context.run_id,
                config.replay,
                run_is_over(context.instance),
            )
        metadata: dict[str, dg.RawMetadataValue] = {
            "delivery_status": outcome.status,
            "delivery_date": str(delivery_date),
            "load_id": outcome.load_id,
            "files": [f.original_name for f in outcome.files],
            "archived_as": [str(f.archive_path) for f in outcome.files],
        }
        if outcome.unread:
            metadata["refused_unread"] = [e.entry for e in outcome.unread]
        if outcome.staged is not None:
            outcomes, publication = audit_and_publish(
                duckdb,
                outcome.staged,
                suite,
                contract.max_quarantine_share,
                context.run_id,
                delivery_checks,
                on_publish=lambda conn, p: record_publication(conn, outcome, p),
            )
            metadata |= publication.metadata()
            metadata["delivery_status"] = "held" if publication.status == HELD else "loaded"
            message = f"{outcome.row_count} rows staged; {publication.status}: {publication.reason}"
        else:  # nothing new to audit: the raw table is unchanged
            outcomes = (
                audit(duckdb, suite, published, table_checks)
                if duckdb.table_exists(raw)
                else nothing_published(raw, project.checks)
            )
            message = {
                "duplicate": f"same content as load {outcome.load_id} "
                f"({outcome.earlier_status}): not staged again; replay it after a fix",
                "rejected": f"REJECTED: {outcome.reason}; the raw table is unchanged",
            }[outcome.status]
        context.log.info(f"{contract.name} {delivery_date}: {message}")
        if outcome.delivered_columns:  # what arrived, for the column-schema-change check
            metadata["dagster/column_schema"] = column_schema(
                dict.fromkeys(outcome.delivered_columns, "VARCHAR")
            )
        if outcome.reason:
            metadata["rejected_because"] = outcome.reason
        yield dg.MaterializeResult(asset_key=raw, metadata=metadata)
        yield from selected_results(context, raw, outcomes)

    return raw_asset


def build_acceptance_check(contract: SourceContract, project: Project) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=contract.raw_table,
        name=ACCEPTANCE_CHECK,
        blocking=project.is_blocking(contract.raw_table, "ERROR"),
        description=f"The newest '{contract.name}' delivery could be parsed as its contract says.",
    )
    def acceptance_check(duckdb: DuckDBWarehouse) -> dg.AssetCheckResult:
        latest = duckdb.query(
            "select delivery_date, status, reason, list(original_name) as files "
            "from dq_manifest where source = ? group by all "
            "order by max(arrived_at) desc limit 1",
            [contract.name],
        )
        row = latest.iloc[0] if not latest.empty else None
        outcome = CheckOutcome(
            check_name=ACCEPTANCE_CHECK,
            passed=row is not None and row["status"] != "rejected",
            severity="ERROR",
            description=(
                f"{contract.name} delivery {row['delivery_date'].date()} {row['status']}"
                + (f": {row['reason']}" if row["reason"] else "")
                if row is not None
                else "no delivery recorded"
            ),
            observed_value=row["status"] if row is not None else None,
            details={"files": list(row["files"]) if row is not None else []},
        )
        return to_check_result(contract.raw_table, outcome)

    return acceptance_check


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
        (loaded,) = duckdb.query(
            f"select max(_delivery_date) from {quote_identifier(contract.raw_table)}"
        ).iloc[0]
        expected = landing.newest_delivery(list(project.contracts.values()))
        lag = (expected - loaded.date()).days if expected and loaded is not None else None
        outcome = CheckOutcome(
            check_name=FRESHNESS_CHECK,
            passed=lag is not None and lag <= spec.max_delivery_lag_days,
            severity=spec.severity,
            description=(
                f"{contract.name}: the loaded delivery {loaded.date() if loaded else None} is "
                f"{lag} day(s) behind the newest delivery of any source ({expected}); "
                f"allowed {spec.max_delivery_lag_days}"
            ),
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
        asset_checks=[build_freshness_check(c, project) for c in contracts]
        + [build_acceptance_check(c, project) for c in contracts]
        + [
            check
            for c in contracts
            for check in dg.build_column_schema_change_checks(
                assets=[c.raw_table], severity=dg.AssetCheckSeverity.WARN
            )
        ],
    )
