"""Training refuses upstream data whose blocking checks failed, across runs and in automation."""

import dagster as dg
import pytest
from pipeline_support import CLEAN_RUN, FAULTY_DAY, deliver, materialized, run_job

from dq_pipelines.cli.sample_data import Faults

pytestmark = pytest.mark.slow
MODEL = dg.AssetKey("category_model")


def _blocked(result) -> str:
    """Why training was blocked: what the model's page says (a blocked run is not a failure:
    nothing is trained, the evaluation is skipped, and both assets record why)."""
    assert result.success and "category_model" not in materialized(result)
    said = {
        e.asset_key.to_user_string(): e.asset_observation_data.asset_observation
        for e in result.get_asset_observation_events()
    }
    assert said["category_model_evaluation"].description == said["category_model"].description
    assert said["category_model"].metadata["dq/status"].value == "blocked"
    return said["category_model"].description


def test_manual_training_refuses_when_checks_never_ran(defs, instance, project_env):
    reason = _blocked(run_job(defs, instance, "train_job"))
    assert "upstream blocking check(s) have not passed" in reason
    assert "stg_catalog:updated_at__not_null (NEVER_RUN)" in reason


def test_manual_training_after_a_failed_check_refuses_then_obeys_a_recorded_override(
    defs, instance, project_env, start_from, warehouse
):
    assert start_from(CLEAN_RUN).success
    deliver(project_env, FAULTY_DAY, Faults(epoch_dates=True))
    assert "category_model" not in materialized(run_job(defs, instance))

    reason = _blocked(run_job(defs, instance, "train_job"))
    assert "raw_catalog:updated_at__type (FAILED)" in reason  # held at raw
    # Checks downstream of the hold did not run: skipped, as the Dagster UI shows them.
    assert "training_set:labels__missing (SKIPPED)" in reason
    models = warehouse.query("select model_asset from dq_model_registry")["model_asset"]
    assert sorted(models) == ["category_model", "product_search_index"]  # from the clean run

    reason = "vendor confirmed dates are fine; ticket DQ-42"
    override = {"config": {"override_failed_checks_reason": reason}}
    config = {"ops": {"category_model": override, "product_search_index": override}}
    overridden = run_job(defs, instance, "train_job", run_config=config)
    assert overridden.success
    assert {"category_model", "product_search_index"} <= materialized(overridden)
    rows = warehouse.query(
        "select gate_override_reason from dq_model_registry where run_id = ?", [overridden.run_id]
    )
    assert list(rows["gate_override_reason"]) == [reason, reason]


def test_automation_trains_only_on_data_whose_blocking_checks_passed(
    defs, instance, project_env, start_from
):
    assert start_from(CLEAN_RUN).success
    cursor = dg.evaluate_automation_conditions(defs=defs, instance=instance).cursor

    # Flipped labels: training_set is built, but its blocking check fails, so it is held and
    # nothing built from it alone is requested.
    deliver(project_env, FAULTY_DAY, Faults(flipped_labels=0.2))
    assert "training_set" not in materialized(run_job(defs, instance, "ingest_job"))  # held
    blocked = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
    assert blocked.get_num_requested(dg.AssetKey("product_search_index")) == 0
    # That day's feedback passed its checks: the weak labels it gives are rebuilt, and the
    # classifier that learns from them is requested; its gate refuses to train, naming the check.
    assert blocked.get_num_requested(dg.AssetKey("feedback_judgements")) == 1
    assert blocked.get_num_requested(MODEL) == 1
    reason = _blocked(run_job(defs, instance, "train_job"))
    assert "training_set:labels__suspicious (FAILED)" in reason
    # The daemon's next tick: nothing new (a request counts as handled on the tick after it).
    idle = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=blocked.cursor)
    assert idle.total_requested == 0

    # A corrected delivery passes its checks, and training is requested.
    deliver(project_env, FAULTY_DAY)
    assert run_job(defs, instance, "ingest_job").success
    passed = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=idle.cursor)
    assert passed.get_num_requested(MODEL) == 1


def test_a_check_that_never_completed_is_not_a_pass(defs, instance, project_env):
    # stg_catalog was never built, so its checks-only step fails and its checks never complete
    # (the UI reads them "Execution failed"; the gate says the same).
    checks_only = dg.define_asset_job(
        "stg_catalog_checks", selection=dg.AssetSelection.checks_for_assets("stg_catalog")
    )
    with_job = dg.Definitions.merge(defs, dg.Definitions(jobs=[checks_only]))
    assert not run_job(with_job, instance, "stg_catalog_checks").success
    reason = _blocked(run_job(defs, instance, "train_job"))
    assert "stg_catalog:updated_at__not_null (EXECUTION_FAILED)" in reason
