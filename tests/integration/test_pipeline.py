"""The whole DAG in process: clean data trains a model, faulty data is stopped before training."""

import dagster as dg
import pytest
from pipeline_support import (
    CLEAN_DAY,
    CLEAN_RUN,
    FAULTY_DAY,
    deliver,
    evaluations,
    evaluations_of_run,
    materialized,
    run_job,
)

from dq_pipelines.cli.sample_data import Faults
from dq_pipelines.defs.alerts.run_summary import summarize_successful_runs
from dq_pipelines.stats.ranking import judgements_from_feedback

pytestmark = pytest.mark.slow


def test_clean_delivery_trains_and_evaluates(instance, start_from, warehouse):
    result = start_from(CLEAN_RUN)  # the clean run itself, or an exact copy of it
    assert result.success
    checks = evaluations_of_run(instance, result.run_id)
    failed = {k for k, e in checks.items() if not e.passed}
    assert failed == set()
    # 26 implied by the contracts (not-null, keys, type), 9 ML checks, 15 golden cases
    assert len(checks) == 94
    done = _materializations(instance, result.run_id)
    assert {"category_model", "category_model_evaluation", "product_search_evaluation"} <= (
        done.keys()
    )

    registry = warehouse.query("select * from dq_model_registry order by model_asset")
    assert list(registry["model_asset"]) == ["category_model", "product_search_index"]
    assert set(registry["run_id"]) == {result.run_id}
    metrics = warehouse.query("select metric, label, value from dq_model_metrics")
    accuracy = metrics.query("metric == 'accuracy'")["value"].item()
    assert accuracy > 0.8
    assert set(metrics.query("metric == 'recall'")["label"]) >= {"chairs", "lamps", "sofas"}
    model_meta = done["category_model_evaluation"]
    assert model_meta["accuracy"].value == pytest.approx(accuracy)
    # Feedback as training signal: the judged pairs, the same as the search evaluation's, with
    # the product's majority label as the query's weak label.
    judged = judgements_from_feedback(warehouse.read_table("stg_feedback"))
    pairs = warehouse.query(
        "select j.gain, j.weak_label, t.label from feedback_judgements j "
        "left join training_set t using (product_id)"
    )
    assert len(pairs) == judged.pairs > 0
    assert (pairs["gain"] == 2).sum() == judged.thumbs_up_pairs
    assert pairs["weak_label"].notna().all() and (pairs["weak_label"] == pairs["label"]).all()
    assert "feedback_judgements" in done
    # ... which the classifier learned from, one weakly labelled query each, and on which the
    # search index was judged and promoted.
    queries = warehouse.query("select count(distinct query) from feedback_judgements").iloc[0, 0]
    model_row = registry.set_index("model_asset").loc["category_model"]
    assert model_row["weak_label_rows"] == queries > 0
    search_meta = done["product_search_evaluation"]
    assert search_meta["feedback_pairs"].value == len(pairs)
    assert search_meta["judged_queries_clicks"].value == queries
    assert search_meta["ndcg_at_10_labels"].value > 0.8 and search_meta["in_service"].value
    assert registry.set_index("model_asset").loc["product_search_index", "status"] == "champion"
    # Each write-audit-publish step says where its time went: writing, then auditing.
    for asset in ("raw_catalog", "stg_catalog", "training_set"):
        assert done[asset]["write_seconds"].value > 0 and done[asset]["audit_seconds"].value > 0


def _materializations(instance: dg.DagsterInstance, run_id: str) -> dict[str, dict]:
    """Each asset the run materialized: its materialization's metadata."""
    entries = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    return {
        e.dagster_event.asset_key.to_user_string(): e.asset_materialization.metadata
        for e in entries
    }


def _observed(result) -> dict[str, dict]:
    return {
        e.asset_key.to_user_string(): {
            k: v.value for k, v in e.asset_observation_data.asset_observation.metadata.items()
        }
        for e in result.get_asset_observation_events()
    }


def test_faulty_delivery_fails_blocking_checks_and_never_trains(
    defs, instance, project_env, warehouse
):
    deliver(project_env, FAULTY_DAY, Faults.demo_faulty())
    result = run_job(defs, instance)
    # Held and blocked, not failed: the run did what it should, and says so.
    assert result.success
    checks = evaluations(result)
    failed = {k for k, e in checks.items() if not e.passed}
    # The raw format check diagnoses the date switch; the contract's checks on the typed raw
    # table hold the delivery (every date fails its type), so staging keeps its version.
    diagnosis = checks["raw_catalog.updated_at__format"].metadata
    assert diagnosis["unexpected_percent"].value == 100.0
    assert diagnosis["description"].value == (
        "catalog.updated_at in delivery 2026-11-28: 100% of values look like Unix epoch "
        "seconds; contract says dd/mm/yyyy (previous 0 deliveries matched)"
    )
    assert failed >= {
        "raw_catalog.updated_at__format",
        "raw_catalog.updated_at__type",
        "raw_catalog.title__not_null",
        "raw_catalog.product_id__unique",
    }
    assert checks["raw_catalog.title__not_null"].metadata["unexpected_count"].value == 40
    assert checks["raw_catalog.updated_at__type"].metadata["publication"].value == "held"
    downstream = {"stg_catalog", "training_set", "category_model", "category_model_evaluation"}
    assert not materialized(result) & (downstream | {"raw_catalog"})
    assert warehouse.query("select count(*) as n from dq_model_registry")["n"].item() == 0
    # The held asset says why; each asset it stopped says it was blocked, and by what.
    observed = _observed(result)
    assert observed["raw_catalog"]["dq/status"] == "held"
    assert "raw_catalog:updated_at__type" in observed["raw_catalog"]["blocked_by_checks"]
    for asset in downstream:
        assert observed[asset]["dq/status"] == "blocked"
        assert observed[asset]["blocked_by_asset"] == "raw_catalog"
    skipped = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"}
    assert {"stg_catalog", "training_set", "category_model"} <= skipped
    # The results history has them as blocked, by the checks that held the delivery.
    blocked = warehouse.query(
        "select asset, check_name, blocked_by from dq_check_results "
        "where status = 'blocked' and run_id = ?",
        [result.run_id],
    )
    assert ("training_set", "labels__missing") in set(
        zip(blocked.asset, blocked.check_name, strict=True)
    )
    assert all("raw_catalog:updated_at__type" in list(b) for b in blocked.blocked_by)

    # The run's page says what happened in words: the summary sensor tags it when it ends.
    context = dg.build_run_status_sensor_context(
        sensor_name="summarize_successful_runs",
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id),
        dagster_event=instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_SUCCESS)[
            0
        ].dagster_event,
    )
    summarize_successful_runs(context)
    tags = instance.get_run_by_id(result.run_id).tags
    assert tags["dq/outcome"] == "held"
    assert tags["dq/held"].startswith("raw_catalog")
    assert "training_set" in tags["dq/blocked"] and "category_model" in tags["dq/blocked"]
    assert "raw_catalog:updated_at__type (ERROR, blocking)" in tags["dq/failed_checks"]
    assert "held raw_catalog: " in tags["dq/summary"]


@pytest.mark.parametrize(
    ("faults", "failing_check"),
    [
        (Faults(null_titles=0.05), "raw_catalog.title__not_null"),  # required: true
        (Faults(bad_prices=0.03), "stg_catalog.price__between"),
        (Faults(duplicate_ids=0.02), "raw_catalog.product_id__unique"),  # primary_key
        (Faults(unknown_categories=0.03), "stg_catalog.category__in_set"),
        (Faults(flipped_labels=0.2), "training_set.label_agrees_with_vendor_category"),
    ],
)
def test_each_fault_is_caught_by_its_check_and_blocks_training(
    defs, instance, project_env, faults, failing_check
):
    deliver(project_env, CLEAN_DAY, faults)
    result = run_job(defs, instance)
    checks = evaluations(result)
    failed = {k for k, e in checks.items() if not e.passed}
    assert failing_check in failed
    assert checks[failing_check].metadata["severity"].value == "ERROR"
    assert "category_model" not in materialized(result)


def test_late_delivery_fails_freshness(defs, instance, project_env):
    deliver(project_env, CLEAN_DAY)
    deliver(project_env, FAULTY_DAY, Faults(late_sources=("catalog",)))
    result = run_job(defs, instance)
    checks = evaluations(result)
    late = checks["raw_catalog.delivery_is_current"]
    assert not late.passed and late.metadata["observed_value"].value == 1
    assert checks["raw_labels.delivery_is_current"].passed
    assert "category_model" not in materialized(result)
