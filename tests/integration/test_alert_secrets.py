"""Issue 8 finding 9: the webhook path and the bot token never reach logs or dq_alerts, whatever
shape the error text that carries them takes."""

import logging

import pytest
from slack_stub import SlackStub

from dq_pipelines.alerts.channels.slack import SlackDeliveryError, SlackNotifier
from dq_pipelines.alerts.from_checks import AlertOutbox, CheckAlert
from dq_pipelines.alerts.redact import redact

# The stub's webhook is /services/T000/B000/XXXX: its last two segments are the secret.
HOOK_SECRET = "B000/XXXX"
TOKEN = "xoxb-1234-5678-SeCrEt"
FAST = {"retry_backoff_seconds": 0.01, "max_retries": 0}


def _alert() -> CheckAlert:
    return CheckAlert(
        asset="stg_feedback",
        check_name="rank__between",
        severity="WARN",
        blocking=False,
        run_id="run-1",
        run_url="http://dagster.test/runs/run-1",
        blocked_assets=(),
    )


@pytest.mark.parametrize(
    ("raw", "redacted"),
    [
        (
            "Cannot POST /services/T0A1B2C3/B0D4E5F6/AbCdEfGhIjKlMnOp",
            "Cannot POST /services/[redacted]",
        ),
        (
            "https://hooks.slack.com/services/T0/B0/x?y=1 failed",
            "https://hooks.slack.com/services/[redacted] failed",
        ),
        ("'/services/HOOKSECRET'", "'/services/[redacted]'"),
        ("bad token xoxb-1234-5678-abcDEF, and xoxp-9-z", "bad token [redacted], and [redacted]"),
        ("xoxa-2-x xoxr-3-y", "[redacted] [redacted]"),
        ("hook T0A1B2C3/B0D4E5F6/AbCdEfGhIjKl echoed", "hook [redacted] echoed"),
        ("nothing secret: 3 rows", "nothing secret: 3 rows"),
    ],
)
def test_secrets_are_redacted_by_shape(raw: str, redacted: str) -> None:
    assert redact(raw) == redacted


def test_a_proxy_404_echoing_the_path_is_redacted_everywhere(
    slack_stub: SlackStub, warehouse, caplog: pytest.LogCaptureFixture
) -> None:
    slack_stub.fail_next(404, "Cannot POST /services/T000/B000/XXXX", count=2)
    slack = SlackNotifier(webhook_url=slack_stub.webhook_url, **FAST)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(SlackDeliveryError) as raised:
        slack.send("hello")
    assert HOOK_SECRET not in str(raised.value)
    assert "HTTP 404: Cannot POST /services/[redacted]" in str(raised.value)

    outbox = AlertOutbox(slack.alert_channel(), warehouse, logging.getLogger("test_alert_secrets"))
    assert outbox.deliver(_alert()) == "refused"
    (error,) = warehouse.query("select error from dq_alerts")["error"]
    assert HOOK_SECRET not in error and "/services/[redacted]" in error
    assert caplog.records  # the outbox logged the failure, and slack-sdk its requests
    assert HOOK_SECRET not in caplog.text


def test_webhook_url_stays_out_of_slack_sdk_debug_logs(
    slack_stub: SlackStub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    SlackNotifier(webhook_url=slack_stub.webhook_url, **FAST).send("hello")

    assert "Sending a request" in caplog.text  # slack-sdk did log the request, redacted
    assert HOOK_SECRET not in caplog.text


def test_bot_token_stays_out_of_slack_sdk_debug_logs_and_errors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with SlackStub(token=TOKEN) as stub:
        caplog.set_level(logging.DEBUG)
        slack = SlackNotifier(
            bot_token=TOKEN, channel="#dq", api_base_url=stub.api_base_url, **FAST
        )
        slack.send("hello")
        stub.fail_next(500, f"proxy says: bad auth {TOKEN} for /services/T000/B000/XXXX")
        with pytest.raises(SlackDeliveryError) as raised:
            slack.send("again")

    assert "Sending a request" in caplog.text
    for secret in (TOKEN, "SeCrEt", HOOK_SECRET):
        assert secret not in caplog.text and secret not in str(raised.value)
