"""Consecutive failures of one check are grouped: one thread (bot token) or one message (webhook).

Each "run" is a real Dagster run that evaluates a project check on a stand-in asset, read by the
real alert sensor; Slack is the real slack-sdk client against the local stub.
"""

import dagster as dg
import pandas as pd
import pytest
from slack_stub import Posted, SlackStub

from dq_pipelines.alerts.channels.slack import SlackNotifier
from dq_pipelines.defs.alerts.sensors import alert_on_failed_checks

THUMBS = ("stg_feedback", "thumbs__in_set")  # WARN checks on an asset that feeds no training
RANK = ("stg_feedback", "rank__between")
FAST = {"retry_backoff_seconds": 0.01, "max_retries": 0}


def _bot(stub: SlackStub) -> SlackNotifier:
    return SlackNotifier(
        bot_token=stub.token, channel="#ml-dq", api_base_url=stub.api_base_url, **FAST
    )


def _webhook(stub: SlackStub) -> SlackNotifier:
    return SlackNotifier(webhook_url=stub.webhook_url, **FAST)


def _slack(stub: SlackStub, mode: str) -> SlackNotifier:
    return _bot(stub) if mode == "bot" else _webhook(stub)


def _run(
    instance: dg.DagsterInstance, passed: bool, checks: tuple[tuple[str, str], ...] = (THUMBS,)
) -> str:
    """A run in which `checks` (all on one asset) pass or fail; returns its run id."""
    asset = checks[0][0]
    specs = [dg.AssetCheckSpec(name, asset=asset) for _, name in checks]

    @dg.asset(name=asset, check_specs=specs)
    def stand_in() -> dg.MaterializeResult:
        results = [
            dg.AssetCheckResult(
                check_name=name,
                passed=passed,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"unexpected_count": 0 if passed else 3},
            )
            for _, name in checks
        ]
        return dg.MaterializeResult(check_results=results)

    return dg.materialize([stand_in], instance=instance).run_id


class Sensor:
    """The alert sensor ticking with its cursor, as the daemon would run it."""

    def __init__(self, instance: dg.DagsterInstance, resources: dict) -> None:
        self.instance = instance
        self.resources = resources
        self.cursor: str | None = None

    def tick(self, slack: SlackNotifier) -> str:
        context = dg.build_sensor_context(
            instance=self.instance,
            cursor=self.cursor,
            resources=self.resources | {"slack": slack},
        )
        reason = alert_on_failed_checks(context)
        self.cursor = context.cursor
        return reason.skip_message


@pytest.fixture
def sensor(instance, resources) -> Sensor:
    return Sensor(instance, resources)


def _alerts(warehouse):
    return warehouse.query("select * from dq_alerts order by created_at, alert_id")


def _groups(warehouse):
    return warehouse.query("select * from dq_alert_groups order by opened_at, group_id")


def _top_level(stub: SlackStub) -> list[Posted]:
    return [p for p in stub.posts() if p.thread_ts is None]


def _replies(stub: SlackStub, parent: Posted) -> list[Posted]:
    return [p for p in stub.posts() if p.thread_ts == parent.ts]


def _run_url(run_id: str) -> str:
    return f"http://dagster.test/runs/{run_id}"


def test_three_failing_runs_with_a_bot_token_are_one_thread(
    sensor, instance, slack_stub, warehouse
):
    slack = _bot(slack_stub)
    runs = []
    for _ in range(3):
        runs.append(_run(instance, passed=False))
        sensor.tick(slack)

    (parent,) = _top_level(slack_stub)
    assert f"Run: {_run_url(runs[0])}" in parent.body["text"]
    replies = _replies(slack_stub, parent)
    assert all(_run_url(r) in p.body["text"] for p, r in zip(replies, runs[1:], strict=True))
    assert len(slack_stub.posts()) == 3

    # The channel message is edited after each reply; it keeps its alert and adds the count.
    updates = slack_stub.updates()
    assert [(u["channel"], u["ts"]) for u in updates] == [("C123", parent.ts)] * 2
    assert "Failing for 2 consecutive runs" in updates[0]["text"]
    last = updates[-1]
    assert last["text"].startswith(parent.body["text"])
    assert last["text"].endswith(f"Failing for 3 consecutive runs, last run: {_run_url(runs[2])}")
    assert last["blocks"][0] == parent.body["blocks"][0]
    assert last["blocks"][1]["elements"][0]["text"] == (
        f"Failing for *3* consecutive runs, last run: <{_run_url(runs[2])}>"
    )
    assert last["blocks"][2:] == parent.body["blocks"][1:]

    alerts = _alerts(warehouse)
    first_id = f"{runs[0]}:stg_feedback:thumbs__in_set"
    assert alerts["status"].tolist() == ["sent"] * 3
    assert set(alerts["group_id"]) == {first_id}
    assert alerts["slack_ts"].tolist() == [p.ts for p in [parent, *replies]]
    (group,) = _groups(warehouse).to_dict("records")
    assert group["group_id"] == first_id and group["slack_ts"] == parent.ts
    assert group["failures"] == 3 and group["last_run_id"] == runs[2]
    assert pd.isna(group["closed_at"])


def test_three_failing_runs_through_a_webhook_are_one_message(
    sensor, instance, slack_stub, warehouse
):
    slack = _webhook(slack_stub)
    runs = []
    for _ in range(3):
        runs.append(_run(instance, passed=False))
        reason = sensor.tick(slack)

    (message,) = slack_stub.messages()
    assert _run_url(runs[0]) in message["text"]
    assert "'grouped': 1" in reason
    alerts = _alerts(warehouse)
    assert alerts["status"].tolist() == ["sent", "grouped", "grouped"]
    assert alerts["slack_ts"].isna().all()
    (group,) = _groups(warehouse).to_dict("records")
    assert group["failures"] == 3 and group["last_run_id"] == runs[2]
    assert pd.isna(group["slack_ts"])

    sensor.tick(slack)
    sensor.cursor = None  # a lost cursor re-reads the history: still one message
    sensor.tick(slack)
    assert len(slack_stub.messages()) == 1
    assert _alerts(warehouse)["status"].tolist() == ["sent", "grouped", "grouped"]


@pytest.mark.parametrize("mode", ["bot", "webhook"])
@pytest.mark.parametrize("tick_each_run", [True, False], ids=["tick-each-run", "one-tick"])
def test_a_pass_in_between_starts_a_new_group(
    sensor, instance, slack_stub, warehouse, mode, tick_each_run
):
    slack = _slack(slack_stub, mode)
    runs = []
    for passed in (False, True, False):
        runs.append(_run(instance, passed=passed))
        if tick_each_run:
            sensor.tick(slack)
    sensor.tick(slack)

    texts = [m["text"] for m in slack_stub.messages()]
    assert len(texts) == 2 and all("thread_ts" not in m for m in slack_stub.messages())
    assert _run_url(runs[0]) in texts[0] and _run_url(runs[2]) in texts[1]
    assert slack_stub.updates() == []
    assert _alerts(warehouse)["status"].tolist() == ["sent", "sent"]
    groups = _groups(warehouse)
    assert groups["failures"].tolist() == [1, 1]
    assert groups["closed_at"].notna().tolist() == [True, False]


def test_two_failing_checks_are_two_groups(sensor, instance, slack_stub, warehouse):
    slack = _bot(slack_stub)
    for _ in range(2):
        _run(instance, passed=False, checks=(THUMBS, RANK))
        sensor.tick(slack)

    parents = _top_level(slack_stub)
    assert len(parents) == 2 and len(slack_stub.posts()) == 4
    for parent in parents:
        name = "thumbs__in_set" if "thumbs__in_set" in parent.body["text"] else "rank__between"
        (reply,) = _replies(slack_stub, parent)
        assert f"stg_feedback / {name}" in reply.body["text"]
    assert sorted(u["ts"] for u in slack_stub.updates()) == sorted(p.ts for p in parents)
    groups = _groups(warehouse)
    assert sorted(groups["check_name"]) == ["rank__between", "thumbs__in_set"]
    assert groups["failures"].tolist() == [2, 2]


def test_a_first_alert_delayed_by_an_outage_still_starts_the_thread(
    sensor, instance, slack_stub, warehouse
):
    down = SlackStub()
    down.close()  # connection refused
    runs = [_run(instance, passed=False)]
    sensor.tick(_bot(down))
    runs.append(_run(instance, passed=False))
    reason = sensor.tick(_bot(down))
    assert "Slack unavailable" in reason
    assert _alerts(warehouse)["status"].tolist() == ["failed", "failed"]

    runs.append(_run(instance, passed=False))
    reason = sensor.tick(_bot(slack_stub))  # Slack is back

    assert "retried: {'sent': 2}" in reason
    (parent,) = _top_level(slack_stub)
    assert _run_url(runs[0]) in parent.body["text"]  # the first alert, although retried
    replies = _replies(slack_stub, parent)
    assert [r for p in replies for r in runs if _run_url(r) in p.body["text"]] == runs[1:]
    assert slack_stub.updates()[-1]["text"].endswith(
        f"Failing for 3 consecutive runs, last run: {_run_url(runs[2])}"
    )
    alerts = _alerts(warehouse)
    assert alerts["status"].tolist() == ["sent"] * 3
    assert alerts["slack_ts"].tolist() == [parent.ts, *(p.ts for p in replies)]
    assert _groups(warehouse)["slack_ts"].tolist() == [parent.ts]

    sensor.tick(_bot(slack_stub))
    sensor.cursor = None
    sensor.tick(_bot(slack_stub))
    assert len(slack_stub.posts()) == 3


def test_a_webhook_outage_still_yields_one_message(sensor, instance, slack_stub, warehouse):
    down = SlackStub()
    down.close()
    _run(instance, passed=False)
    sensor.tick(_webhook(down))
    _run(instance, passed=False)
    sensor.tick(_webhook(down))
    assert _alerts(warehouse)["status"].tolist() == ["failed", "grouped"]

    sensor.tick(_webhook(slack_stub))

    assert len(slack_stub.messages()) == 1
    assert _alerts(warehouse)["status"].tolist() == ["sent", "grouped"]


def test_a_refused_first_alert_lets_the_next_one_start_the_thread(
    sensor, instance, slack_stub, warehouse
):
    slack = _bot(slack_stub)
    slack_stub.fail_next(400, "invalid_blocks")  # about that message only
    runs = [_run(instance, passed=False)]
    sensor.tick(slack)
    slack_stub.fail_next(400, "invalid_blocks")  # its retry, first thing next tick
    runs.append(_run(instance, passed=False))
    sensor.tick(slack)

    (parent,) = _top_level(slack_stub)
    assert _run_url(runs[1]) in parent.body["text"]
    sensor.tick(slack)  # the refused one goes through at last: into the thread

    (reply,) = _replies(slack_stub, parent)
    assert _run_url(runs[0]) in reply.body["text"]
    assert slack_stub.updates()[-1]["text"].endswith(
        f"Failing for 2 consecutive runs, last run: {_run_url(runs[1])}"
    )
    assert _alerts(warehouse)["status"].tolist() == ["sent", "sent"]


def test_a_failed_edit_is_only_logged_and_the_next_reply_edits_again(
    sensor, instance, slack_stub, warehouse
):
    slack = _bot(slack_stub)
    _run(instance, passed=False)
    sensor.tick(slack)
    slack_stub.fail_next(500, "internal_error", path="/api/chat.update")
    _run(instance, passed=False)
    reason = sensor.tick(slack)

    assert "'sent': 1" in reason and slack_stub.updates() == []
    assert len(slack_stub.posts()) == 2
    last = _run(instance, passed=False)
    sensor.tick(slack)

    (parent,) = _top_level(slack_stub)
    assert len(_replies(slack_stub, parent)) == 2
    (update,) = slack_stub.updates()
    assert update["text"].endswith(f"Failing for 3 consecutive runs, last run: {_run_url(last)}")
    assert _alerts(warehouse)["status"].tolist() == ["sent"] * 3


def test_a_lost_cursor_does_not_replay_an_old_pass(sensor, instance, slack_stub, warehouse):
    slack = _bot(slack_stub)
    for passed in (False, True, False, False):
        _run(instance, passed=passed)
    sensor.tick(slack)
    groups = _groups(warehouse)
    assert groups["failures"].tolist() == [1, 2]

    sensor.cursor = None  # re-reads fail, pass, fail, fail: the pass must not close group 2
    sensor.tick(slack)
    last = _run(instance, passed=False)
    sensor.tick(slack)

    groups = _groups(warehouse)
    assert groups["failures"].tolist() == [1, 3]
    assert groups["closed_at"].notna().tolist() == [True, False]
    second = _top_level(slack_stub)[1]
    assert _run_url(last) in _replies(slack_stub, second)[-1].body["text"]
    assert len(_top_level(slack_stub)) == 2


def test_without_slack_failures_are_counted_and_the_first_posted_starts_the_thread(
    sensor, instance, slack_stub, warehouse
):
    for _ in range(2):
        _run(instance, passed=False)
        sensor.tick(SlackNotifier())
    assert _alerts(warehouse)["status"].tolist() == ["stored", "stored"]

    later = [_run(instance, passed=False)]
    sensor.tick(_bot(slack_stub))  # Slack configured: the stored alerts stay stored
    later.append(_run(instance, passed=False))
    sensor.tick(_bot(slack_stub))

    (parent,) = _top_level(slack_stub)
    assert _run_url(later[0]) in parent.body["text"]
    (reply,) = _replies(slack_stub, parent)
    assert _run_url(later[1]) in reply.body["text"]
    assert "Failing for 4 consecutive runs" in slack_stub.updates()[-1]["text"]
    (group,) = _groups(warehouse).to_dict("records")
    assert group["failures"] == 4 and group["slack_ts"] == parent.ts


def test_webhook_a_refused_first_alert_does_not_silence_its_group(
    sensor, instance, slack_stub, warehouse
):
    """Slack refusing the group's first post (not an outage) is no message in the channel:
    the group's next failure is posted, not recorded as grouped behind it."""
    slack = _webhook(slack_stub)
    slack_stub.fail_next(400, "invalid_blocks", count=2)  # the post and its retry next tick
    _run(instance, passed=False)
    sensor.tick(slack)
    _run(instance, passed=False)
    sensor.tick(slack)

    assert len(slack_stub.messages()) == 1
    assert _alerts(warehouse)["status"].tolist() == ["refused", "sent"]
