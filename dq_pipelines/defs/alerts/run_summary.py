"""Each finished run says what it did on its own page: `dq/*` tags summarizing its checks,
holds, blocked assets and quarantined rows (runs/summary.py), written when the run ends."""

import dagster as dg

from dq_pipelines.runs.summary import summarize_events

SUMMARIZED = {
    dg.DagsterEventType.ASSET_CHECK_EVALUATION,
    dg.DagsterEventType.ASSET_OBSERVATION,
    dg.DagsterEventType.ASSET_MATERIALIZATION,
    dg.DagsterEventType.STEP_FAILURE,
}


def _tag_run(context: dg.RunStatusSensorContext) -> None:
    run_id = context.dagster_run.run_id
    entries = context.instance.all_logs(run_id, of_type=SUMMARIZED)
    summary = summarize_events(e.dagster_event for e in entries if e.dagster_event)
    context.instance.add_run_tags(run_id, summary.tags())
    context.log.info(f"run {run_id[:8]} ({context.dagster_run.job_name}): {summary.sentence}")


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Tags each successful run with what it did in words (dq/outcome, dq/summary: "
    "checks failed, deliveries held, assets blocked, rows quarantined).",
)
def summarize_successful_runs(context: dg.RunStatusSensorContext) -> None:
    _tag_run(context)


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Tags each failed run with what it did in words (dq/outcome, dq/summary), "
    "including which step failed and why.",
)
def summarize_failed_runs(context: dg.RunFailureSensorContext) -> None:
    _tag_run(context)
