"""raw_<source> assets, one per source contract, with each source's delivery checks."""

import uuid
from datetime import date, timedelta

import dagster as dg
import pandas as pd
from pydantic import Field

from dq_pipelines.lib.archive import archived_delivery
from dq_pipelines.lib.check_results import to_check_result
from dq_pipelines.lib.contracts import ColumnSpec, SourceContract
from dq_pipelines.lib.formats import diagnose, profile
from dq_pipelines.lib.ingest import DeliveryError, LandingZone, choose_delivery, ingest_delivery
from dq_pipelines.lib.project import (
    ACCEPTANCE_CHECK,
    AGE_CHECK_SEVERITY,
    FORMAT_CHECK_SEVERITY,
    FRESHNESS_CHECK,
    Project,
    age_check_name,
    format_check_name,
    load_project,
)
from dq_pipelines.lib.schemas import column_schema
from dq_pipelines.lib.validation import CheckOutcome
from dq_pipelines.lib.warehouse import DuckDBWarehouse


class DeliveryConfig(dg.Config):
    """Which delivery to load; empty means the newest one in the landing folder."""

    delivery_date: str = ""
    replay: bool = Field(
        default=False,
        description="Re-ingest the delivery's archived files (e.g. after a contract fix), "
        "even if the same bytes were loaded before.",
    )


def build_raw_asset(contract: SourceContract, project: Project) -> dg.AssetsDefinition:
    @dg.asset(
        name=contract.raw_table,
        group_name="ingest",
        description=f"Delivered '{contract.name}' rows as text, with lineage. "
        + contract.description,
        kinds={"duckdb", contract.format},
        # Evaluated by Dagster's freshness daemon; alert_on_failed_checks reports a FAIL.
        freshness_policy=dg.FreshnessPolicy.time_window(
            fail_window=timedelta(days=contract.freshness.max_delivery_lag_days + 1)
        ),
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
        load_id = f"{contract.name}-{uuid.uuid4().hex[:12]}"
        with duckdb.connect() as conn:
            if config.replay:
                if requested is None:
                    raise DeliveryError("replay needs a delivery_date")
                delivery_date, files = requested, archived_delivery(conn, contract.name, requested)
                if not files:
                    raise DeliveryError(f"no archived '{contract.name}' delivery for {requested}")
            else:
                delivery_date, files = choose_delivery(contract, landing.root, requested)
            outcome = ingest_delivery(
                conn, contract, delivery_date, files, landing.archive_root, load_id, config.replay
            )
            if outcome.status == "loaded":
                conn.execute(
                    "insert into dq_loads values (?, ?, ?, ?, ?, now(), ?)",
                    [
                        load_id,
                        contract.name,
                        delivery_date,
                        [f.original_name for f in outcome.files],
                        outcome.row_count,
                        context.run_id,
                    ],
                )
        message = {
            "loaded": f"loaded {outcome.row_count} rows",
            "duplicate": f"same content as load {outcome.load_id}: not loaded again",
            "rejected": f"REJECTED: {outcome.reason}; the raw table is unchanged",
        }[outcome.status]
        context.log.info(f"{contract.name} {delivery_date}: {message}")
        metadata: dict[str, dg.RawMetadataValue] = {
            "delivery_status": outcome.status,
            "delivery_date": str(delivery_date),
            "load_id": outcome.load_id,
            "files": [f.original_name for f in outcome.files],
            "archived_as": [str(f.archive_path) for f in outcome.files],
        }
        if outcome.row_count is not None:
            metadata["dagster/row_count"] = outcome.row_count
        if outcome.delivered_columns:  # what arrived, for the column-schema-change check
            metadata["dagster/column_schema"] = column_schema(
                dict.fromkeys(outcome.delivered_columns, "VARCHAR")
            )
        if outcome.reason:
            metadata["rejected_because"] = outcome.reason
        return dg.MaterializeResult(metadata=metadata)

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


def build_format_check(
    contract: SourceContract, column: ColumnSpec, project: Project
) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=contract.raw_table,
        name=format_check_name(column.name),
        blocking=project.is_blocking(contract.raw_table, FORMAT_CHECK_SEVERITY),
        description=f"'{column.name}' values are in a format the contract accepts "
        f"({', '.join(column.formats)}); a change is diagnosed, not just failed.",
    )
    def format_check(duckdb: DuckDBWarehouse) -> dg.AssetCheckResult:
        with duckdb.connect() as conn:
            ((day, load_id),) = conn.execute(
                f"select max(_delivery_date), max(_load_id) from {contract.raw_table}"
            ).fetchall()
            found = profile(conn, contract.raw_table, column.name, column.formats)
            (previous,) = conn.execute(
                "select count(distinct delivery_date) from dq_format_profiles "
                "where source = ? and column_name = ? and passed and delivery_date < ?",
                [contract.name, column.name, day],
            ).fetchone()
            where = f"{contract.name}.{column.name} in delivery {day}"
            diagnosis = diagnose(found, where, column.formats, contract.min_format_share, previous)
            conn.execute(
                "insert into dq_format_profiles values (?, ?, ?, ?, ?, ?, ?, ?, now())",
                [
                    contract.name,
                    column.name,
                    day,
                    load_id,
                    diagnosis.dominant,
                    diagnosis.dominant_share,
                    diagnosis.accepted_share,
                    diagnosis.passed,
                ],
            )
        outcome = CheckOutcome(
            check_name=format_check_name(column.name),
            passed=diagnosis.passed,
            severity=FORMAT_CHECK_SEVERITY,
            description=diagnosis.message,
            observed_value=diagnosis.dominant,
            element_count=found.values,
            unexpected_count=found.values - found.accepted_matches,
            unexpected_percent=100 * (1 - diagnosis.accepted_share),
            details={
                "format_shares": {
                    k: v / max(found.values, 1) for k, v in found.matches.items() if v
                }
            },
        )
        return to_check_result(contract.raw_table, outcome)

    return format_check


def build_age_check(
    contract: SourceContract, column: ColumnSpec, project: Project
) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=contract.raw_table,
        name=age_check_name(column.name),
        blocking=project.is_blocking(contract.raw_table, AGE_CHECK_SEVERITY),
        description=f"The newest '{column.name}' is at most {column.max_age_days} day(s) older "
        "than the delivery: the data itself is fresh, not only the file.",
    )
    def age_check(duckdb: DuckDBWarehouse) -> dg.AssetCheckResult:
        ((day, newest),) = duckdb.query(
            f'select max(_delivery_date) as d, max("{column.parsed_name}")::date as n '
            f"from {contract.raw_table}"
        ).itertuples(index=False)
        day = pd.Timestamp(day).date()
        newest = None if pd.isna(newest) else pd.Timestamp(newest).date()
        age = (day - newest).days if newest is not None else None
        outcome = CheckOutcome(
            check_name=age_check_name(column.name),
            passed=age is not None and age <= column.max_age_days,
            severity=AGE_CHECK_SEVERITY,
            description=(
                f"{contract.name}.{column.name}: newest value {newest} is {age} day(s) older "
                f"than delivery {day} (allowed {column.max_age_days})"
                if age is not None
                else f"{contract.name}.{column.name}: no parseable value in delivery {day}"
            ),
            observed_value=age,
            details={"max_age_days": column.max_age_days},
        )
        return to_check_result(contract.raw_table, outcome)

    return age_check


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
        + [build_format_check(c, col, project) for c in contracts for col in c.formatted_columns]
        + [
            build_age_check(c, col, project)
            for c in contracts
            for col in c.columns
            if col.max_age_days is not None
        ]
        + [
            check
            for c in contracts
            for check in dg.build_column_schema_change_checks(
                assets=[c.raw_table], severity=dg.AssetCheckSeverity.WARN
            )
        ],
    )
