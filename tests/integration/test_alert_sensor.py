"""The alert sensor: one Slack message per failed check evaluation, never twice, never lost."""

import dagster as dg
import pytest
from pipeline_support import CLEAN_DAY, FAULTY_DAY, deliver, evaluations, run_job

from dq_pipelines.lib.sample_data import Faults
from dq_pipelines.lib.slack import SlackNotifier

pytestmark = pytest.mark.slow


def _tick(defs, instance, resources, cursor):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
    reason = defs.resolve_sensor_def("alert_on_failed_checks")(context)
    return context.cursor, reason


@pytest.fixture
def faulty_run(defs, instance, project_env):
    deliver(project_env, CLEAN_DAY)
    deliver(project_env, FAULTY_DAY, Faults(epoch_dates=True, late_sources=("feedback",)))
    result = run_job(defs, instance)
    failed = {k: e for k, e in evaluations(result).items() if not e.passed}
    assert failed
    return result, failed


def test_one_post_per_failed_check_and_none_on_the_next_tick(
    defs, instance, resources, faulty_run, slack_stub, warehouse
):
    result, failed = faulty_run
    resources = resources | {
        "slack": SlackNotifier(
            webhook_url=slack_stub.webhook_url, api_base_url=slack_stub.api_base_url
        )
    }
    cursor, _reason = _tick(defs, instance, resources, None)
    texts = [m["text"] for m in slack_stub.messages()]
    assert len(texts) == len(failed)
    assert cursor is not None

    epoch = next(t for t in texts if "stg_catalog / updated_at__not_null" in t)
    assert "(ERROR, blocking)" in epoch
    assert "unexpected_count: 800" in epoch and "unexpected_percent: 100" in epoch
    assert "Blocked: category_model, category_model_evaluation, training_set" in epoch
    assert f"http://dagster.test/runs/{result.run_id}" in epoch
    diagnosis = next(t for t in texts if "raw_catalog / updated_at__is_dd_mm_yyyy" in t)
    assert "(WARN)" in diagnosis and "Nothing blocked" in diagnosis
    late = next(t for t in texts if "raw_feedback / delivery_is_current" in t)
    assert "WARN" in late and "Nothing blocked" in late

    again, _ = _tick(defs, instance, resources, cursor)
    assert len(slack_stub.messages()) == len(failed)
    assert again == cursor
    # A daemon restart that lost its cursor re-reads history but posts nothing twice.
    _tick(defs, instance, resources, None)
    assert len(slack_stub.messages()) == len(failed)
    statuses = warehouse.query("select status, count(*) as n from dq_alerts group by status")
    assert statuses.set_index("status")["n"].to_dict() == {"sent": len(failed)}


def test_without_slack_the_alert_is_stored_not_lost(
    defs, instance, resources, faulty_run, warehouse
):
    _, failed = faulty_run
    _tick(defs, instance, resources, None)
    stored = warehouse.query("select * from dq_alerts")
    assert len(stored) == len(failed)
    assert set(stored["status"]) == {"stored"}
    assert stored["text"].str.contains("Data check failed").all()


def test_slack_failure_is_recorded_not_lost(
    defs, instance, resources, faulty_run, slack_stub, warehouse
):
    _, _failed = faulty_run
    resources = resources | {"slack": SlackNotifier(webhook_url=slack_stub.webhook_url)}
    slack_stub.fail_next(500, count=1000)
    _tick(defs, instance, resources, None)
    assert set(warehouse.query("select status from dq_alerts")["status"]) == {"failed"}
