"""Jobs, the daily ingest schedule, and the automation sensor that gates training.

Dagster 1.13 has no description for an asset group (a group is only a name: GraphQL's
`AssetGroup` has `groupName` and `assetKeys`), so each group is described here and the jobs
that run it say so; tests/integration/test_ui_words.py fails if a group has no description.
"""

import dagster as dg

from dq_pipelines.declared.project import (
    EVALUATION_ASSET,
    MODEL_ASSET,
    SEARCH_ASSET,
    SEARCH_EVALUATION_ASSET,
)

GROUPS = {
    "ingest": "ingest (raw_<source>: each delivery staged, audited against its contract and "
    "suite, and published, quarantined or held)",
    "transform": "transform (the SQL models, staged, audited against their suites and ML "
    "checks, and published or held)",
    "train": "train (the models, trained only on data whose blocking checks passed, and judged "
    "by their golden cases)",
    "evaluate": "evaluate (the classifier's metrics on held-out data, the search index's on "
    "search feedback; promotion of a challenger)",
    "report": "report (the scorecard page, rebuilt after each ingest run)",
}

ingest_and_validate = dg.AssetSelection.groups("ingest", "transform")

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=ingest_and_validate,
    description="Loads the newest deliveries, builds the SQL models and runs their checks. "
    f"Groups: {GROUPS['ingest']}; {GROUPS['transform']}.",
)

train_job = dg.define_asset_job(
    "train_job",
    selection=dg.AssetSelection.assets(
        MODEL_ASSET, EVALUATION_ASSET, SEARCH_ASSET, SEARCH_EVALUATION_ASSET
    ),
    description="Trains and evaluates the model, builds and evaluates the search index; "
    "blocked while an "
    f"upstream blocking check has not passed. Groups: {GROUPS['train']}; {GROUPS['evaluate']}.",
)

full_pipeline_job = dg.define_asset_job(
    "full_pipeline_job",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("report"),
    description="Everything in order: ingest, transform, train, evaluate; a failing blocking "
    f"check stops what depends on it. Groups: {'; '.join(GROUPS.values())}.",
)

daily_ingest_schedule = dg.ScheduleDefinition(
    name="daily_ingest_schedule",
    job=ingest_job,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Runs ingest_job every day at 06:00 UTC: the newest delivery of each source "
    "is loaded and checked; later assets follow by themselves when their checks pass.",
)

training_automation = dg.AutomationConditionSensorDefinition(
    "training_automation",
    target=dg.AssetSelection.all() - dg.AssetSelection.groups("ingest"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Builds models and trains only on new data whose blocking checks passed.",
)
