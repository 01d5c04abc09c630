"""The whole DAG in process: clean data trains a model, faulty data is stopped before training."""

import pytest
from pipeline_support import (
    CLEAN_DAY,
    FAULTY_DAY,
    deliver,
    evaluations,
    materialized,
    run_job,
)

from dq_pipelines.cli.sample_data import Faults

pytestmark = pytest.mark.slow


def test_clean_delivery_trains_and_evaluates(defs, instance, project_env, warehouse):
    deliver(project_env, CLEAN_DAY)
    result = run_job(defs, instance)
    assert result.success
    checks = evaluations(result)
    failed = {k for k, e in checks.items() if not e.passed}
    assert failed == set()
    assert len(checks) == 77  # 26 implied by the contracts (not-null, keys, type), 7 ML checks
    assert {"category_model", "category_model_evaluation"} <= materialized(result)

    registry = warehouse.query("select * from dq_model_registry order by model_asset")
    assert list(registry["model_asset"]) == ["category_model", "product_search_index"]
    assert set(registry["run_id"]) == {result.run_id}
    metrics = warehouse.query("select metric, label, value from dq_model_metrics")
    accuracy = metrics.query("metric == 'accuracy'")["value"].item()
    assert accuracy > 0.8
    assert set(metrics.query("metric == 'recall'")["label"]) >= {"chairs", "lamps", "sofas"}
    model_meta = next(
        e
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == "category_model_evaluation"
    ).materialization.metadata
    assert model_meta["accuracy"].value == pytest.approx(accuracy)


def test_faulty_delivery_fails_blocking_checks_and_never_trains(
    defs, instance, project_env, warehouse
):
    deliver(project_env, FAULTY_DAY, Faults.demo_faulty())
    result = run_job(defs, instance)
    assert not result.success
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
    built = materialized(result)
    assert "raw_catalog" in built
    assert not built & {"stg_catalog", "training_set", "category_model",
                        "category_model_evaluation"}  # fmt: skip
    assert warehouse.query("select count(*) as n from dq_model_registry")["n"].item() == 0


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
    assert not late.passed and late.metadata["observed_value"].value == {"value": 1}
    assert checks["raw_labels.delivery_is_current"].passed
    assert "category_model" not in materialized(result)
