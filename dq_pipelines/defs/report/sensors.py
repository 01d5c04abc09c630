"""Refresh the scorecard after every ingest run, whether it succeeded or failed.

The scorecard is not downstream of the data assets: a held delivery skips what it feeds, and
the page must still say so. Two run-status sensors (one per status) request `scorecard_job`.
They watch every run and pick the ingest runs by job name: a run started by `dq-pipelines
ingest` or the demo executes in process, without the code location's origin, and a sensor given
`monitored_jobs` never matches such a run (Dagster 1.13, run_status_sensor_definition.py).
"""

import dagster as dg

from dq_pipelines.defs.jobs import full_pipeline_job, ingest_job

scorecard_job = dg.define_asset_job(
    "scorecard_job",
    selection=dg.AssetSelection.assets("dq_scorecard"),
    description="Render the data-quality scorecard page from the warehouse's records.",
)
INGEST_JOBS = frozenset({ingest_job.name, full_pipeline_job.name})


def scorecard_request(context: dg.RunStatusSensorContext) -> dg.RunRequest | dg.SkipReason:
    """One scorecard run per finished ingest run (the run key makes a repeat a no-op)."""
    run = context.dagster_run
    if run.job_name not in INGEST_JOBS:
        return dg.SkipReason(f"{run.job_name} is not an ingest job")
    context.log.info(f"scorecard requested after {run.job_name} run {run.run_id}")
    return dg.RunRequest(run_key=f"scorecard-after-{run.run_id}", tags={"dq/after_run": run.run_id})


@dg.run_status_sensor(
    name="refresh_scorecard_after_ingest",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitor_all_code_locations=True,
    request_job=scorecard_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Renders the scorecard after an ingest or full pipeline run succeeds.",
)
def refresh_scorecard_after_ingest(
    context: dg.RunStatusSensorContext,
) -> dg.RunRequest | dg.SkipReason:
    return scorecard_request(context)


@dg.run_status_sensor(
    name="refresh_scorecard_after_failed_ingest",
    run_status=dg.DagsterRunStatus.FAILURE,
    monitor_all_code_locations=True,
    request_job=scorecard_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Renders the scorecard after an ingest or full pipeline run fails, so the "
    "page shows the failure and what it blocked.",
)
def refresh_scorecard_after_failed_ingest(
    context: dg.RunStatusSensorContext,
) -> dg.RunRequest | dg.SkipReason:
    return scorecard_request(context)
