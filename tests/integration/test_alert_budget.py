"""Issue 8 finding 8: an alert tick stays inside its budget, well inside Dagster's 60 s, and
Slack trouble on one call does not spill over onto others or duplicate posts."""

import logging
import re
import statistics
import time
import uuid

import dagster as dg
import pytest
from dagster._core.events import DagsterEvent, DagsterEventType
from slack_stub import SlackStub

from dq_pipelines.alerts.budget import AlertTickPolicy
from dq_pipelines.alerts.channels.slack import SlackNotifier
from dq_pipelines.alerts.check_events import AlertCursor
from dq_pipelines.alerts.from_checks import AlertOutbox, CheckAlert
from dq_pipelines.declared.project import load_project
from dq_pipelines.defs.alerts.sensors import alert_on_failed_checks

LOG = logging.getLogger("test_alert_budget")
FAST = {"retry_backoff_seconds": 0.01, "max_retries": 0}
RUN_URL = re.compile(r"http://dagster\.test/runs/([0-9a-f-]+)")


def _bot(stub: SlackStub, **overrides) -> SlackNotifier:
    return SlackNotifier(
        bot_token=stub.token, channel="#dq", api_base_url=stub.api_base_url, **(FAST | overrides)
    )


def _alert(check: str, run: str) -> CheckAlert:
    return CheckAlert(
        asset="stg_feedback",
        check_name=check,
        severity="WARN",
        blocking=False,
        run_id=run,
        run_url=f"http://dagster.test/runs/{run}",
        blocked_assets=(),
    )


def test_a_failed_edit_does_not_stop_the_posts_of_the_tick(slack_stub, warehouse):
    first = AlertOutbox(_bot(slack_stub).alert_channel(), warehouse, LOG)
    assert [first.deliver(_alert(c, "run-1")) for c in ("a", "b")] == ["sent", "sent"]

    slack_stub.fail_next(500, "internal_error", path="/api/chat.update")
    tick = AlertOutbox(_bot(slack_stub).alert_channel(), warehouse, LOG)
    assert [tick.deliver(_alert(c, "run-2")) for c in ("a", "b")] == ["sent", "sent"]

    assert tick.unavailable is None
    assert len(slack_stub.posts()) == 4 and len(slack_stub.updates()) == 1  # b's edit


def test_a_webhook_that_refuses_then_recovers_posts_one_message_per_group(slack_stub, warehouse):
    checks = [f"check_{i}" for i in range(6)]
    slack = SlackNotifier(webhook_url=slack_stub.webhook_url, **FAST)
    slack_stub.fail_next(400, "invalid_token", count=6 + 12)  # two ticks of refusals
    for run in ("run-1", "run-2"):
        outbox = AlertOutbox(slack.alert_channel(), warehouse, LOG)
        outbox.retry_failed()
        assert {outbox.deliver(_alert(c, run)) for c in checks} == {"refused"}

    recovered = AlertOutbox(slack.alert_channel(), warehouse, LOG)
    assert sorted(recovered.retry_failed()) == ["grouped"] * 6 + ["sent"] * 6

    texts = [m["text"] for m in slack_stub.messages()]
    assert len(texts) == 6 and all("runs/run-1" in t for t in texts)
    statuses = warehouse.query("select run_id, status from dq_alerts order by run_id")
    assert statuses.groupby("run_id")["status"].agg(set).to_dict() == {
        "run-1": {"sent"},
        "run-2": {"grouped"},
    }


def _tick(instance, resources) -> tuple[str | None, float]:
    context = dg.build_sensor_context(
        instance=instance, cursor=resources.pop("_cursor", None), resources=resources
    )
    started = time.monotonic()
    alert_on_failed_checks(context)
    return context.cursor, time.monotonic() - started


def test_a_rate_limited_slack_cannot_hold_a_tick_past_its_budget(slack_stub, warehouse):
    slack_stub.fail_next(429, "ratelimited", count=100, headers={"Retry-After": "1"})
    slack = _bot(slack_stub, max_retries=20, max_retry_after_seconds=5)
    budget = AlertTickPolicy(tick_seconds=2).budget()
    outbox = AlertOutbox(slack.alert_channel(), warehouse, LOG, budget)

    started = time.monotonic()
    statuses = [outbox.deliver(_alert(f"check_{i}", "run-1")) for i in range(5)]

    assert time.monotonic() - started < 2 + 1.5  # 20 retries of 1-2 s each, without a budget
    assert statuses == ["failed"] * 5 and outbox.unavailable
    assert len(slack_stub.requests) <= 3


def _report_failures(instance: dg.DagsterInstance, keys: list[dg.AssetCheckKey], n: int) -> None:
    """n failed executions, round robin over the checks, each in its own run (cheaply: events
    reported into the instance, no pipeline runs)."""
    for i in range(n):
        key = keys[i % len(keys)]
        evaluation = dg.AssetCheckEvaluation(
            asset_key=key.asset_key,
            check_name=key.name,
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
        )
        event = DagsterEvent(
            DagsterEventType.ASSET_CHECK_EVALUATION.value,
            "ingest_job",
            event_specific_data=evaluation,
        )
        instance.report_dagster_event(event, run_id=str(uuid.uuid4()))


@pytest.mark.slow
def test_a_backlog_of_1000_failures_is_delivered_exactly_once_within_budget(resources):
    instance = dg.DagsterInstance.ephemeral()  # in memory: 1,000 runs' events in seconds
    keys = [dg.AssetCheckKey(dg.AssetKey(c.asset), c.name) for c in load_project().checks]
    _report_failures(instance, keys, 1000)
    budget_seconds = 3.0

    with SlackStub(latency=0.005) as stub:
        resources = resources | {
            "slack": _bot(stub),
            "alerting": AlertTickPolicy(tick_seconds=budget_seconds, max_alerts_per_tick=200),
        }
        cursor, durations = None, []
        for _ in range(40):
            cursor, seconds = _tick(instance, resources | {"_cursor": cursor})
            durations.append(seconds)
            posted = {RUN_URL.search(p.body["text"]).group(1) for p in stub.posts()}
            if len(posted) == 1000:
                break
        posts = [RUN_URL.search(p.body["text"]).group(1) for p in stub.posts()]

    assert len(posts) == len(set(posts)) == 1000  # every alert, each exactly once
    assert len(durations) >= 5  # 200 alerts a tick at most
    # Each tick stops starting alerts at its budget; what overruns it is one post in flight and
    # reading the history: typically 0.1-0.3 s. One tick of a CI run on a machine with three
    # busy processes on two cores once took 5.3 s (stalled, not posting: the others took
    # 3.1-3.3 s), so a single tick may overrun by up to the budget again; the median may not.
    assert statistics.median(durations) < budget_seconds + 2, durations
    assert max(durations) < 2 * budget_seconds + 2, durations
    history = [
        r.id
        for k in keys
        for r in instance.event_log_storage.get_asset_check_execution_history(k, limit=1000)
    ]
    assert AlertCursor.parse(cursor) == AlertCursor(max(history))
