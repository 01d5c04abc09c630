"""Jobs, the daily ingest schedule, and the automation sensor that gates training."""

import dagster as dg

from dq_pipelines.declared.project import EVALUATION_ASSET, MODEL_ASSET, SEARCH_ASSET

ingest_and_validate = dg.AssetSelection.groups("ingest", "transform")

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=ingest_and_validate,
    description="Load the newest deliveries, build the SQL models and run their checks.",
)

train_job = dg.define_asset_job(
    "train_job",
    selection=dg.AssetSelection.assets(MODEL_ASSET, EVALUATION_ASSET, SEARCH_ASSET),
    description="Train and evaluate; refuses while upstream blocking checks have not passed.",
)

full_pipeline_job = dg.define_asset_job(
    "full_pipeline_job",
    selection=dg.AssetSelection.all(),
    description="ingest -> validate -> train -> evaluate; blocking checks stop training.",
)

daily_ingest_schedule = dg.ScheduleDefinition(
    name="daily_ingest_schedule",
    job=ingest_job,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

training_automation = dg.AutomationConditionSensorDefinition(
    "training_automation",
    target=dg.AssetSelection.all() - dg.AssetSelection.groups("ingest"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Builds models and trains only on new data whose blocking checks passed.",
)
