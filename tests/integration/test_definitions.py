"""The code location loads to exactly the declared assets, checks, jobs, schedule and sensors."""

import dagster as dg


def test_assets_and_lineage_come_from_contracts_and_sql(defs):
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {
        "raw_catalog",
        "raw_labels",
        "raw_feedback",
        "raw_inference_requests",
        "stg_catalog",
        "stg_labels",
        "stg_feedback",
        "stg_inference_requests",
        "training_set",
        "feedback_judgements",
        "category_model",
        "category_model_evaluation",
        "dq_scorecard",
        "product_search_index",
        "product_search_evaluation",
    }
    parents = {k: {p.to_user_string() for p in graph.get(dg.AssetKey(k)).parent_keys} for k in keys}
    assert parents["training_set"] == {"stg_catalog", "stg_labels"}
    assert parents["feedback_judgements"] == {"stg_feedback", "training_set"}
    assert parents["stg_catalog"] == {"raw_catalog"}
    assert parents["category_model"] == {"training_set", "feedback_judgements"}  # weak labels
    assert parents["product_search_index"] == {"training_set"}
    assert parents["category_model_evaluation"] == {"category_model", "training_set"}
    assert parents["product_search_evaluation"] == {
        "product_search_index",
        "feedback_judgements",
        "training_set",
    }


def test_one_check_per_expectation_with_severity_based_blocking(defs):
    specs = {
        f"{s.asset_key.to_user_string()}.{s.name}": s
        for s in defs.resolve_asset_graph().asset_check_keys
        for s in [defs.resolve_asset_graph().get_check_spec(s)]
    }
    # 26 of them the contracts' not-null, key and type checks; 9 from the ML-check files; 15
    # golden cases (8 on the classifier, 7 on the search index).
    assert len(specs) == 94
    # Dagster's flag would fail the run and read every downstream check as failed: the asset's
    # step stops its downstream itself, and the spec's metadata says which checks do.
    assert not any(s.blocking for s in specs.values())
    blocks = {name: s.metadata.get("blocks_training", False) for name, s in specs.items()}
    # ERROR on an asset that feeds training: blocking.
    assert blocks["stg_catalog.price__between"]
    assert blocks["raw_catalog.product_id__not_null"]  # from the contract now
    assert blocks["raw_catalog.price__type"]
    assert blocks["stg_catalog.updated_at__not_null"]
    assert blocks["raw_catalog.delivery_is_current"]
    assert blocks["raw_labels.delivery_accepted"]
    # Feedback feeds the classifier's weak labels (feedback_judgements): its ERROR checks block.
    assert blocks["raw_feedback.delivery_accepted"]
    assert blocks["raw_feedback.key__new"]  # the append key
    assert blocks["stg_feedback.rank__between"]
    # WARN, or ERROR on an asset that does not feed training: not blocking.
    assert not blocks["stg_catalog.currency__in_set"]
    assert not blocks["raw_catalog.updated_at__format"]
    assert not blocks["stg_feedback.ctr__drop"]  # WARN
    assert not blocks["raw_labels.delivery_is_current"]
    # ML checks follow the same rule; the label audit can block (it has an error_above_rate).
    assert blocks["training_set.labels__suspicious"]
    assert blocks["training_set.labels__missing"]
    assert not blocks["training_set.features__drift"]  # WARN
    assert not blocks["stg_labels.annotators__agreement"]  # WARN
    assert not blocks["stg_inference_requests.features__serving_skew"]  # feeds no model
    # A golden case blocks its model's promotion, not training.
    assert specs["category_model.golden_office_chair_lumbar"].metadata["blocks_promotion"]
    assert specs["product_search_index.golden_chair_top10"].metadata["blocks_promotion"]


def test_jobs_schedule_and_sensors(defs):
    assert {j.name for j in defs.resolve_all_job_defs()} >= {
        "ingest_job",
        "train_job",
        "full_pipeline_job",
        "scorecard_job",
    }
    schedule = defs.resolve_schedule_def("daily_ingest_schedule")
    assert schedule.job_name == "ingest_job" and schedule.cron_schedule == "0 6 * * *"
    assert {s.name for s in defs.sensors} == {
        "alert_on_failed_checks",
        "reap_dead_runs",
        "refresh_scorecard_after_failed_ingest",
        "refresh_scorecard_after_ingest",
        "retrain_on_drift",
        "summarize_failed_runs",
        "summarize_successful_runs",
        "training_automation",
    }


def test_definitions_validate_loadable(defs):
    dg.Definitions.validate_loadable(defs)
