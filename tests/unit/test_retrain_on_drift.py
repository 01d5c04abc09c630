"""The retrain sensor requests training once per drifted evaluation, never on failed data."""

import dagster as dg
import pytest

from dq_pipelines.declared.project import load_project
from dq_pipelines.defs.train.retrain import retrain
from dq_pipelines.ml.gate import blocking_checks_upstream

DRIFT = dg.AssetCheckKey(dg.AssetKey("training_set"), "features__drift")


def _report(instance, key: dg.AssetCheckKey, passed: bool, **metadata) -> None:
    severity = dg.AssetCheckSeverity.WARN if key == DRIFT else dg.AssetCheckSeverity.ERROR
    instance.report_runless_asset_event(
        dg.AssetCheckEvaluation(
            asset_key=key.asset_key,
            check_name=key.name,
            passed=passed,
            metadata=metadata,
            severity=severity,
        )
    )


def _all_gates_pass(instance) -> None:
    for key in blocking_checks_upstream(load_project(), "category_model"):
        _report(instance, key, True)


@pytest.fixture
def sensor():
    (found,) = retrain().sensors
    return found


def _tick(sensor, instance, cursor=None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    return sensor(context), context.cursor


def test_drift_at_the_retrain_level_on_passed_data_requests_training_once(sensor):
    with dg.DagsterInstance.ephemeral() as instance:
        _all_gates_pass(instance)
        _report(
            instance,
            DRIFT,
            False,
            retrain_level_reached=True,
            drift_summary="against the champion: 3 of 8 columns drifted",
        )
        request, cursor = _tick(sensor, instance)
        assert isinstance(request, dg.RunRequest)
        assert request.asset_selection == [dg.AssetKey("category_model")]
        assert request.tags["dq/trigger"] == "drift"
        assert "3 of 8 columns drifted" in request.tags["dq/retrain_reason"]
        again, _ = _tick(sensor, instance, cursor)
        assert isinstance(again, dg.SkipReason) and "no new evaluation" in again.skip_message


def test_no_training_below_the_level_or_on_data_that_failed_its_checks(sensor):
    with dg.DagsterInstance.ephemeral() as instance:
        _all_gates_pass(instance)
        _report(instance, DRIFT, True, retrain_level_reached=False, drift_summary="no drift")
        below, cursor = _tick(sensor, instance)
        assert isinstance(below, dg.SkipReason) and "below the retrain level" in below.skip_message
        failing = blocking_checks_upstream(load_project(), "category_model")[0]
        _report(instance, failing, False)
        _report(instance, DRIFT, False, retrain_level_reached=True, drift_summary="drifted")
        blocked, _ = _tick(sensor, instance, cursor)
        assert isinstance(blocked, dg.SkipReason)
        assert "failed checks" in blocked.skip_message and failing.name in blocked.skip_message
