"""Refresh the scorecard after every ingest run, whether it succeeded or failed.

The scorecard is not downstream of the data assets: a held delivery skips what it feeds, and
the page must still say so. Two run-status sensors (one per status) request `scorecard_job`.
"""

import dagster as dg

from dq_pipelines.defs.jobs import full_pipeline_job, ingest_job

scorecard_job = dg.define_asset_job(
    "scorecard_job",
    selection=dg.AssetSelection.assets("dq_scorecard"),
    description="Render the data-quality scorecard page from the warehouse's records.",
)
INGEST_JOBS = [ingest_job, full_pipeline_job]


def scorecard_request(context: dg.RunStatusSensorContext) -> dg.RunRequest:
    """One scorecard run per finished ingest run (the run key makes a repeat a no-op)."""
    run_id = context.dagster_run.run_id
    context.log.info(f"scorecard requested after {context.dagster_run.job_name} run {run_id}")
    return dg.RunRequest(run_key=f"scorecard-after-{run_id}", tags={"dq/after_run": run_id})


@dg.run_status_sensor(
    name="refresh_scorecard_after_ingest",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=INGEST_JOBS,
    request_job=scorecard_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Renders the scorecard after an ingest or full pipeline run succeeds.",
)
def refresh_scorecard_after_ingest(context: dg.RunStatusSensorContext) -> dg.RunRequest:
    return scorecard_request(context)


@dg.run_status_sensor(
    name="refresh_scorecard_after_failed_ingest",
    run_status=dg.DagsterRunStatus.FAILURE,
    monitored_jobs=INGEST_JOBS,
    request_job=scorecard_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Renders the scorecard after an ingest or full pipeline run fails, so the "
    "page shows the failure and what it blocked.",
)
def refresh_scorecard_after_failed_ingest(context: dg.RunStatusSensorContext) -> dg.RunRequest:
    return scorecard_request(context)
