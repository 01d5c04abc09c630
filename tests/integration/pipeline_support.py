"""Helpers shared by the pipeline tests: deliveries and what a run did."""

from datetime import date
from pathlib import Path

import dagster as dg
from pipeline_states import Start

from dq_pipelines.cli.sample_data import Faults, generate_delivery

CLEAN_DAY = date(2026, 11, 27)
FAULTY_DAY = date(2026, 11, 28)
N_PRODUCTS = 800


def deliver(project_env: Path, day: date, faults: Faults | None = None) -> None:
    generate_delivery(
        project_env / "landing", day, n_products=N_PRODUCTS, faults=faults or Faults()
    )


# Only the raw assets (landing, contract checks, audit, publish): for tests whose assertions are
# about the landing and the raw tables, at half the cost of ingest_job (~5 s instead of ~10).
RAW_JOB = "raw_job"


# Starting states for the `start_from` fixture: a clean delivery through each job.
CLEAN_RUN = Start(((CLEAN_DAY, Faults()),), "full_pipeline_job")
CLEAN_INGEST_RUN = Start(((CLEAN_DAY, Faults()),), "ingest_job")
CLEAN_RAW_RUN = Start(((CLEAN_DAY, Faults()),), RAW_JOB)


def with_current_resources(built: dg.Definitions) -> dg.Definitions:
    """`built`, its resources bound to the DQ_* settings as they are now."""
    from dq_pipelines.defs.resources import build_resources

    return dg.Definitions(
        assets=built.assets,
        asset_checks=built.asset_checks,
        schedules=built.schedules,
        sensors=built.sensors,
        jobs=built.jobs,
        resources=build_resources(),
        executor=built.executor,
        loggers=built.loggers,
        metadata=built.metadata,
    )


def run_job(defs: dg.Definitions, instance, job: str = "full_pipeline_job", **kwargs):
    if job == RAW_JOB:
        raw_job = dg.define_asset_job(RAW_JOB, selection=dg.AssetSelection.groups("ingest"))
        defs = dg.Definitions.merge(defs, dg.Definitions(jobs=[raw_job]))
    return defs.resolve_job_def(job).execute_in_process(
        instance=instance, raise_on_error=False, **kwargs
    )


def _by_name(checks) -> dict[str, dg.AssetCheckEvaluation]:
    return {f"{e.asset_key.to_user_string()}.{e.check_name}": e for e in checks}


def evaluations(result) -> dict[str, dg.AssetCheckEvaluation]:
    return _by_name(result.get_asset_check_evaluations())


def evaluations_of_run(
    instance: dg.DagsterInstance, run_id: str
) -> dict[str, dg.AssetCheckEvaluation]:
    """`evaluations`, read from the instance: for a run a test did not make itself (start_from)."""
    entries = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    return _by_name(entry.dagster_event.event_specific_data for entry in entries)


def materialized_in_run(instance: dg.DagsterInstance, run_id: str) -> set[str]:
    """`materialized`, read from the instance (as `evaluations_of_run`)."""
    entries = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    return {entry.dagster_event.asset_key.to_user_string() for entry in entries}


def materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def rows_accounted(warehouse, source: str, day: date) -> dict[str, int | str]:
    """Where every row of a source's newest delivery attempt for `day` is now.

    Nothing is lost when the delivered rows are all in the raw table or its quarantine, and
    the raw table's rows of that load are all in the staging table or its quarantine (a
    rejected file cannot be counted: it is kept whole in the archive instead).
    """
    attempt = warehouse.query(
        "select load_id, status, list(archive_path order by original_name) as files "
        "from dq_manifest where source = ? and delivery_date = ? group by all "
        "order by max(arrived_at) desc limit 1",
        [source, day],
    ).iloc[0]
    files = list(attempt["files"])
    assert all(Path(f).exists() for f in files), "an archived file is missing"
    if attempt["status"] == "rejected":
        return {"status": "rejected", "archived_files": len(files)}
    load = attempt["load_id"]

    def count(sql: str) -> int:
        return int(warehouse.query(sql, [load]).iloc[0, 0])

    def quarantined(asset: str) -> int:
        return count(
            f"select count(*) from dq_quarantine where asset = '{asset}' and load_id = ? "
            "and released_at is null"
        )

    return {
        "status": attempt["status"],
        "delivered": int(
            warehouse.query(
                "select count(*) from read_csv(?, header = true, all_varchar = true)", [files]
            ).iloc[0, 0]
        ),
        "raw": count(f"select count(*) from raw_{source} where _load_id = ?"),
        "raw_quarantine": quarantined(f"raw_{source}"),
        "staged": count(f"select count(*) from stg_{source} where _load_id = ?"),
        "staged_quarantine": quarantined(f"stg_{source}"),
    }


def assert_nothing_lost(warehouse, source: str, day: date) -> dict[str, int | str]:
    rows = rows_accounted(warehouse, source, day)
    if rows["status"] != "rejected":
        assert rows["delivered"] == rows["raw"] + rows["raw_quarantine"], rows
        assert rows["raw"] == rows["staged"] + rows["staged_quarantine"], rows
    return rows


def recorded(result, asset: str) -> dict:
    """What a run recorded of an asset: its materialization's metadata, or, when it was held or
    blocked (nothing published, wap/blocked.py), its observation's."""
    events = [
        (e.asset_key, e.materialization.metadata) for e in result.get_asset_materialization_events()
    ] + [
        (e.asset_key, e.asset_observation_data.asset_observation.metadata)
        for e in result.get_asset_observation_events()
    ]
    return next(meta for key, meta in events if key.to_user_string() == asset)
