"""The alert sensor: one Slack message per failed check evaluation, never twice, never lost."""

import json
import logging
import threading
import time
from dataclasses import replace

import dagster as dg
import pytest
from pipeline_states import Start
from pipeline_support import (
    CLEAN_DAY,
    FAULTY_DAY,
    deliver,
    evaluations,
    evaluations_of_run,
    run_job,
)
from slack_stub import SlackStub

from dq_pipelines.alerts.channels.slack import SlackNotifier
from dq_pipelines.alerts.from_checks import AlertOutbox, CheckAlert, alert_for, sensitive_columns
from dq_pipelines.cli.sample_data import Faults
from dq_pipelines.declared.project import load_project

LOG = logging.getLogger("test_alert_sensor")


def _slack(url: str, **overrides) -> SlackNotifier:
    """A webhook notifier that retries without the production waits."""
    return SlackNotifier(webhook_url=url, **({"retry_backoff_seconds": 0.01} | overrides))


def _tick(defs, instance, resources, cursor):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
    reason = defs.resolve_sensor_def("alert_on_failed_checks")(context)
    return context.cursor, reason


def _rows(warehouse):
    return warehouse.query("select * from dq_alerts order by created_at, alert_id")


def _sent_texts(stub: SlackStub) -> list[str]:
    return [m["text"] for m in stub.messages()]


FAULTY_RUN = Start(
    (
        (CLEAN_DAY, Faults()),
        (FAULTY_DAY, Faults(epoch_dates=True, late_sources=("feedback",))),
    ),
    "full_pipeline_job",
)


@pytest.fixture
def faulty_run(instance, start_from):
    started = start_from(FAULTY_RUN)
    failed = {k: e for k, e in evaluations_of_run(instance, started.run_id).items() if not e.passed}
    assert failed
    return started, failed


@pytest.mark.slow
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

    epoch = next(t for t in texts if "raw_catalog / updated_at__type" in t)  # held at raw
    assert "(ERROR, blocking)" in epoch
    assert "unexpected_count: 800" in epoch and "unexpected_percent: 100" in epoch
    blocked = (
        "category_model, category_model_evaluation, feedback_judgements, "
        "product_search_evaluation, product_search_index, stg_catalog"
    )
    assert f"Blocked: {blocked}, training_set" in epoch
    assert f"http://dagster.test/runs/{result.run_id}" in epoch
    diagnosis = next(t for t in texts if "raw_catalog / updated_at__format" in t)
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


@pytest.mark.slow
def test_without_slack_the_alert_is_stored_not_lost(
    defs, instance, resources, faulty_run, slack_stub, warehouse
):
    _, failed = faulty_run
    _tick(defs, instance, resources, None)
    stored = warehouse.query("select * from dq_alerts")
    assert len(stored) == len(failed)
    assert set(stored["status"]) == {"stored"}
    assert stored["text"].str.contains("Data check failed").all()

    # Stored means kept, not queued: configuring Slack later does not post old alerts.
    _tick(defs, instance, resources | {"slack": _slack(slack_stub.webhook_url)}, None)
    assert slack_stub.requests == []
    assert set(warehouse.query("select status from dq_alerts")["status"]) == {"stored"}


@pytest.mark.slow
def test_undelivered_alerts_wait_in_the_outbox_and_are_sent_exactly_once(
    defs, instance, resources, faulty_run, slack_stub, warehouse
):
    _, failed = faulty_run
    down = SlackStub()
    down.close()  # connection refused on every request of the first tick

    cursor, reason = _tick(defs, instance, resources | {"slack": _slack(down.webhook_url)}, None)

    rows = _rows(warehouse)
    assert len(rows) == len(failed) and set(rows["status"]) == {"failed"}
    # The first post used up its retries; the tick then stopped trying, so it stayed short.
    assert rows["attempts"].tolist() == [1] + [0] * (len(failed) - 1)
    assert "could not reach the webhook" in rows["error"].iloc[0]
    assert rows["error"].iloc[1:].str.startswith("not attempted: Slack was unavailable").all()
    assert down.webhook_url not in " ".join(rows["error"])
    assert "Slack unavailable" in reason.skip_message

    up = resources | {"slack": _slack(slack_stub.webhook_url)}
    again, reason = _tick(defs, instance, up, cursor)
    assert again == cursor  # nothing new was read: the outbox did the work
    assert sorted(_sent_texts(slack_stub)) == sorted(rows["text"])  # each one exactly once
    rows = _rows(warehouse)
    assert set(rows["status"]) == {"sent"} and rows["error"].isna().all()
    assert rows["attempts"].tolist() == [2] + [1] * (len(failed) - 1)
    assert f"retried: {{'sent': {len(failed)}}}" in reason.skip_message

    _tick(defs, instance, up, cursor)
    _tick(defs, instance, up, None)  # a lost cursor re-reads history
    assert len(slack_stub.messages()) == len(failed)
    assert len(_rows(warehouse)) == len(failed)


@pytest.mark.slow
def test_rate_limit_server_error_and_timeout_are_retried_within_the_tick(
    defs, instance, resources, faulty_run, slack_stub, warehouse
):
    _, failed = faulty_run
    slack_stub.fail_next(429, "ratelimited", headers={"Retry-After": "1"})
    slack_stub.fail_next(500, "internal_error")
    slack_stub.fail_next(504, delay=2)  # the client gives up after 1 s
    slack = _slack(slack_stub.webhook_url, timeout_seconds=1, max_retries=3)

    _tick(defs, instance, resources | {"slack": slack}, None)

    assert len(slack_stub.requests) == len(failed) + 3
    texts = _sent_texts(slack_stub)
    assert len(texts) == len(set(texts)) == len(failed)
    rows = _rows(warehouse)
    assert set(rows["status"]) == {"sent"} and set(rows["attempts"]) == {1}


@pytest.mark.slow
def test_alerts_never_show_values_of_a_sensitive_column(
    defs, instance, resources, project_env, slack_stub, warehouse, monkeypatch
):
    """Vendor categories stand in for a sensitive column: real sampled values from a real run."""
    project = load_project()
    catalog = project.contracts["catalog"]
    columns = tuple(replace(c, sensitive=c.name == "category") for c in catalog.columns)
    contracts = project.contracts | {"catalog": replace(catalog, columns=columns)}
    monkeypatch.setattr(
        "dq_pipelines.defs.alerts.sensors.load_project",
        lambda: replace(project, contracts=contracts),
    )
    deliver(project_env, CLEAN_DAY)
    deliver(project_env, FAULTY_DAY, Faults(unknown_categories=0.05))
    failed = {k: e for k, e in evaluations(run_job(defs, instance)).items() if not e.passed}
    category = failed["stg_catalog.category__in_set"]
    raw_values = {v for v in json.loads(f"[{category.metadata['unexpected_sample'].value}]") if v}
    assert raw_values

    _tick(defs, instance, resources | {"slack": _slack(slack_stub.webhook_url)}, None)

    posted = json.dumps(slack_stub.messages())
    stored = " ".join(_rows(warehouse)[["text", "blocks"]].to_numpy().ravel())
    for value in raw_values:
        assert value not in posted and value not in stored
    (text,) = [t for t in _sent_texts(slack_stub) if "stg_catalog / category__in_set" in t]
    count = category.metadata["unexpected_count"].value
    assert f"unexpected_count: {count}" in text
    assert "masked: values of sensitive column(s) category" in text
    assert all(f"{v[0]}***({len(v)})" in text for v in raw_values if len(v) > 4)


def _alert(name: str, **facts) -> CheckAlert:
    return CheckAlert(
        asset="stg_feedback",
        check_name=name,
        severity="ERROR",
        blocking=False,
        run_id="run-1",
        run_url="http://dagster.test/runs/run-1",
        blocked_assets=(),
        facts=facts,
    )


def test_a_refused_alert_does_not_hold_back_the_others(slack_stub, warehouse):
    alerts = [_alert(f"check_{i}") for i in range(3)]
    slack_stub.fail_next(400, "invalid_blocks")  # about this message, not an outage
    outbox = AlertOutbox(_slack(slack_stub.webhook_url).alert_channel(), warehouse, LOG)

    assert [outbox.deliver(a) for a in alerts] == ["refused", "sent", "sent"]
    assert outbox.unavailable is None

    next_tick = AlertOutbox(_slack(slack_stub.webhook_url).alert_channel(), warehouse, LOG)
    assert next_tick.retry_failed() == ["sent"]
    assert next_tick.deliver(alerts[0]) == "duplicate"
    assert sorted(_sent_texts(slack_stub)) == sorted(a.text() for a in alerts)
    assert _rows(warehouse).set_index("check_name")["attempts"].to_dict() == {
        "check_0": 2,
        "check_1": 1,
        "check_2": 1,
    }


def test_retry_batch_takes_the_oldest_failed_alerts_first(slack_stub, warehouse):
    down = SlackStub()
    down.close()
    failing = AlertOutbox(_slack(down.webhook_url, max_retries=0).alert_channel(), warehouse, LOG)
    alerts = [_alert(f"check_{i}") for i in range(3)]
    assert [failing.deliver(a) for a in alerts] == ["failed"] * 3

    outbox = AlertOutbox(_slack(slack_stub.webhook_url).alert_channel(), warehouse, LOG)
    assert outbox.retry_failed(limit=2) == ["sent", "sent"]
    assert _sent_texts(slack_stub) == [alerts[0].text(), alerts[1].text()]
    assert outbox.retry_failed() == ["sent"]
    assert outbox.retry_failed() == []


def _evaluation(column: str, sample: list, observed) -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey("stg_feedback"),
        check_name=f"{column}__in_set",
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "observed_value": dg.MetadataValue.json({"value": observed}),
            "unexpected_count": dg.MetadataValue.int(len(sample)),
            "unexpected_sample": dg.MetadataValue.json(sample),
            "kwargs": dg.MetadataValue.json({"column": column, "value_set": ["up", "down"]}),
        },
    )


def test_sensitive_samples_and_observed_strings_are_masked():
    sensitive = sensitive_columns(load_project(), "stg_feedback")
    evaluation = _evaluation("query", ["alice@example.com", "bob", None], ["alice@example.com"])

    alert = alert_for(evaluation, "run-1", "http://dagster.test/runs/run-1", [], sensitive)

    shown = alert.text() + json.dumps(alert.blocks())
    assert "alice" not in shown and "bob" not in shown
    assert "a***(17)" in shown and "***(3)" in shown
    assert "unexpected_count: 3" in alert.text()
    assert "masked: values of sensitive column(s) query" in alert.text()
    assert '"value_set": ["up", "down"]' in alert.text()  # the expectation itself is not data

    other = alert_for(_evaluation("thumbs", ["meh"], None), "run-1", "", [], sensitive)
    assert "meh" in other.text() and "masked" not in other.facts


def test_feedback_queries_are_sensitive_wherever_they_flow():
    project = load_project()
    assert sensitive_columns(project, "raw_feedback") == {"query"}
    assert sensitive_columns(project, "stg_feedback") == {"query"}
    assert sensitive_columns(project, "training_set") == {"ships_from_postcode"}  # privacy class


def test_a_failing_freshness_policy_alerts_once_per_transition(
    defs, instance, resources, slack_stub, warehouse
):
    from datetime import UTC, datetime

    from dagster._core.definitions.freshness import FreshnessState, FreshnessStateChange

    resources = resources | {"slack": _slack(slack_stub.webhook_url)}
    key = dg.AssetKey("raw_catalog")
    spec = defs.resolve_assets_def("raw_catalog").specs_by_key[key]
    assert spec.freshness_policy is not None  # declared from the contract, evaluated by Dagster

    def change(new, previous, when):
        instance.report_runless_asset_event(
            FreshnessStateChange(
                key=key, new_state=new, previous_state=previous,
                state_change_timestamp=datetime(2026, 11, 28, when, tzinfo=UTC).timestamp(),
            )
        )  # fmt: skip

    change(FreshnessState.FAIL, FreshnessState.PASS, 7)
    _, reason = _tick(defs, instance, resources, None)
    texts = _sent_texts(slack_stub)
    assert len(texts) == 1 and "raw_catalog / freshness_policy (ERROR)" in texts[0]
    assert "fail_window: 1 day(s) since the last load" in texts[0]
    assert "http://dagster.test/assets/raw_catalog" in texts[0]
    assert "freshness failures" in reason.skip_message
    _tick(defs, instance, resources, None)
    assert len(_sent_texts(slack_stub)) == 1  # still failing: not posted again

    change(FreshnessState.PASS, FreshnessState.FAIL, 8)
    _tick(defs, instance, resources, None)
    change(FreshnessState.FAIL, FreshnessState.PASS, 9)
    _tick(defs, instance, resources, None)
    assert len(_sent_texts(slack_stub)) == 2  # a new failure is a new alert


def test_an_overlapping_tick_finds_the_alert_claimed_and_posts_nothing(slack_stub, warehouse):
    """The row is written before the post: a second tick delivering the same alert while the
    first is still waiting for Slack sees it and does not post it again."""
    alert = _alert("slow_check")
    slack_stub.fail_next(500, "slow and broken", delay=1.0)
    first = AlertOutbox(
        _slack(slack_stub.webhook_url, max_retries=0).alert_channel(), warehouse, LOG
    )
    done: list[str] = []
    posting = threading.Thread(target=lambda: done.append(first.deliver(alert)))
    posting.start()
    while len(slack_stub.requests) == 0:  # the first tick's post is in flight
        time.sleep(0.01)
    second = AlertOutbox(_slack(slack_stub.webhook_url).alert_channel(), warehouse, LOG)
    assert second.deliver(alert) == "duplicate"
    assert second.retry_failed() == []  # `sending`, not `failed`: not the second tick's to retry
    posting.join()
    assert done == ["failed"] and len(slack_stub.requests) == 1
    assert _rows(warehouse)[["status", "attempts"]].values.tolist() == [["failed", 1]]


def test_a_claim_left_by_a_tick_that_stopped_becomes_uncertain_not_a_second_post(
    slack_stub, warehouse
):
    alert = _alert("crashed_check")
    outbox = AlertOutbox(_slack(slack_stub.webhook_url).alert_channel(), warehouse, LOG)
    assert outbox._claim(alert, None, alert.alert_id, "sending", alert.text(), alert.blocks())
    # ... and the tick died here, after (or before) posting; 20 minutes pass.
    with warehouse.connect() as conn:
        conn.execute("update dq_alerts set last_attempt_at = last_attempt_at - interval 20 minute")
    assert (
        AlertOutbox(_slack(slack_stub.webhook_url).alert_channel(), warehouse, LOG).retry_failed()
        == []
    )
    row = _rows(warehouse).iloc[0]
    assert row["status"] == "uncertain" and "may or may not have arrived" in row["error"]
    assert slack_stub.requests == []
