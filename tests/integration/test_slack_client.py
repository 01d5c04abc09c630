"""SlackNotifier through the real slack-sdk clients, against a local HTTP stub of Slack."""

import json
import socket
import time

import dagster as dg
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_stub import SlackStub

from dq_pipelines.alerts.channels.base import Delivered
from dq_pipelines.alerts.channels.slack import (
    SlackDeliveryError,
    SlackNotConfiguredError,
    SlackNotifier,
)

TEXT = "Check `orders_not_null` failed on asset orders"
BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "DQ check failed"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "*orders*: 3 null ids"}},
]


FAST = {"retry_backoff_seconds": 0.01}  # retries without the production waits


def bot(stub: SlackStub, **overrides) -> SlackNotifier:
    config = {"bot_token": stub.token, "channel": "#ml-dq", "api_base_url": stub.api_base_url}
    return SlackNotifier(**(config | FAST | overrides))


def either(stub: SlackStub, use_webhook: bool, **overrides) -> SlackNotifier:
    if use_webhook:
        return SlackNotifier(webhook_url=stub.webhook_url, **(FAST | overrides))
    return bot(stub, **overrides)


def test_webhook_post_arrives_with_exact_text_and_blocks(slack_stub: SlackStub) -> None:
    slack = SlackNotifier(webhook_url=slack_stub.webhook_url)

    assert slack.send(TEXT, BLOCKS).destination == "Slack incoming webhook"

    assert slack_stub.messages() == [{"text": TEXT, "blocks": BLOCKS}]
    (request,) = slack_stub.requests
    assert request.path == "/services/T000/B000/XXXX"


def test_webhook_post_without_blocks_sends_only_text(slack_stub: SlackStub) -> None:
    SlackNotifier(webhook_url=slack_stub.webhook_url).send(TEXT)

    assert slack_stub.messages() == [{"text": TEXT}]


def test_bot_token_post_reaches_chat_post_message(slack_stub: SlackStub) -> None:
    slack = bot(slack_stub)

    assert slack.send(TEXT, BLOCKS).destination == "Slack channel #ml-dq (bot token)"

    (request,) = slack_stub.requests
    assert request.path == "/api/chat.postMessage"
    assert request.headers["authorization"] == f"Bearer {slack_stub.token}"
    assert request.body["channel"] == "#ml-dq"
    assert request.body["text"] == TEXT
    assert request.body["blocks"] == BLOCKS
    assert slack_stub.messages() == [request.body]


def test_api_base_url_without_trailing_slash_still_works(slack_stub: SlackStub) -> None:
    bot(slack_stub, api_base_url=slack_stub.api_base_url.rstrip("/")).send(TEXT)

    assert [r.path for r in slack_stub.requests] == ["/api/chat.postMessage"]


def test_webhook_wins_when_both_are_configured(slack_stub: SlackStub) -> None:
    slack = bot(slack_stub, webhook_url=slack_stub.webhook_url)

    assert slack.send(TEXT).destination == "Slack incoming webhook"

    assert [r.path for r in slack_stub.requests] == ["/services/T000/B000/XXXX"]


def test_wrong_token_is_a_delivery_error_without_the_token(slack_stub: SlackStub) -> None:
    wrong = "xoxb-wrong-secret-123"
    slack = bot(slack_stub, bot_token=wrong)

    with pytest.raises(SlackDeliveryError, match="invalid_auth") as raised:
        slack.send(TEXT)

    assert wrong not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert slack_stub.messages() == []


def test_stub_answers_like_slack_for_form_bodies_and_missing_channel(slack_stub: SlackStub) -> None:
    """The stub itself: form-encoded calls are parsed, and a missing channel is rejected."""
    client = WebClient(token=slack_stub.token, base_url=slack_stub.api_base_url)
    form = {"channel": "#ml-dq", "text": TEXT, "blocks": json.dumps(BLOCKS)}
    assert client.api_call("chat.postMessage", data=form)["ts"] == "1700000000.000100"
    assert slack_stub.messages() == [{"channel": "#ml-dq", "text": TEXT, "blocks": BLOCKS}]

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="", text=TEXT)
    assert raised.value.response["error"] == "channel_not_found"
    assert len(slack_stub.messages()) == 1


@pytest.mark.parametrize("max_retries", [0, 2])
@pytest.mark.parametrize("use_webhook", [True, False], ids=["webhook", "bot"])
def test_http_500_that_outlasts_the_retries_is_a_delivery_error(
    slack_stub: SlackStub, use_webhook: bool, max_retries: int
) -> None:
    slack = either(slack_stub, use_webhook, max_retries=max_retries)
    slack_stub.fail_next(500, "internal trouble", count=max_retries + 1)

    with pytest.raises(SlackDeliveryError, match="500") as raised:
        slack.send(TEXT)

    assert len(slack_stub.requests) == max_retries + 1
    assert raised.value.unavailable
    assert slack_stub.webhook_url not in str(raised.value)
    assert slack_stub.token not in str(raised.value)
    assert slack_stub.messages() == []
    slack.send(TEXT)  # the outage is over
    assert len(slack_stub.messages()) == 1


@pytest.mark.parametrize("use_webhook", [True, False], ids=["webhook", "bot"])
def test_rate_limit_waits_for_retry_after_then_delivers_once(
    slack_stub: SlackStub, use_webhook: bool
) -> None:
    slack_stub.fail_next(429, "ratelimited", headers={"Retry-After": "1"})

    started = time.monotonic()
    either(slack_stub, use_webhook).send(TEXT)

    assert 1 <= time.monotonic() - started < 5
    assert len(slack_stub.requests) == 2
    assert [m["text"] for m in slack_stub.messages()] == [TEXT]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.parametrize("use_webhook", [True, False], ids=["webhook", "bot"])
def test_server_error_is_retried_then_delivered_once(
    slack_stub: SlackStub, use_webhook: bool, status: int
) -> None:
    slack_stub.fail_next(status, "trouble")

    either(slack_stub, use_webhook).send(TEXT)

    assert len(slack_stub.requests) == 2
    assert [m["text"] for m in slack_stub.messages()] == [TEXT]


@pytest.mark.parametrize("use_webhook", [True, False], ids=["webhook", "bot"])
def test_timeout_is_retried_then_delivered_once(slack_stub: SlackStub, use_webhook: bool) -> None:
    slack_stub.fail_next(504, delay=2)  # answers after the client's 1 s timeout

    started = time.monotonic()
    either(slack_stub, use_webhook, timeout_seconds=1).send(TEXT)

    assert 1 <= time.monotonic() - started < 3
    assert len(slack_stub.requests) == 2
    assert [m["text"] for m in slack_stub.messages()] == [TEXT]


@pytest.mark.parametrize("use_webhook", [True, False], ids=["webhook", "bot"])
def test_refused_message_is_not_retried(slack_stub: SlackStub, use_webhook: bool) -> None:
    slack_stub.fail_next(400, "invalid_blocks")

    with pytest.raises(SlackDeliveryError, match="invalid_blocks") as raised:
        either(slack_stub, use_webhook).send(TEXT)

    assert len(slack_stub.requests) == 1
    assert not raised.value.unavailable  # about this message: other alerts may still go


def test_long_retry_after_is_left_for_a_later_tick(slack_stub: SlackStub) -> None:
    slack_stub.fail_next(429, headers={"Retry-After": "120"})
    slack = either(slack_stub, True, max_retry_after_seconds=5)

    started = time.monotonic()
    with pytest.raises(SlackDeliveryError, match="429") as raised:
        slack.send(TEXT)

    assert time.monotonic() - started < 1
    assert len(slack_stub.requests) == 1
    assert raised.value.unavailable


def test_webhook_error_body_is_reported(slack_stub: SlackStub) -> None:
    slack_stub.fail_next(404, "no_service")

    with pytest.raises(SlackDeliveryError, match="HTTP 404: no_service"):
        SlackNotifier(webhook_url=slack_stub.webhook_url).send(TEXT)


@pytest.mark.parametrize("use_webhook", [True, False], ids=["webhook", "bot"])
def test_connection_refused_is_a_quick_delivery_error(use_webhook: bool) -> None:
    closed = SlackStub()
    closed.close()
    slack = either(closed, use_webhook, retry_backoff_seconds=0.5)  # the production waits

    started = time.monotonic()
    with pytest.raises(SlackDeliveryError, match="could not reach") as raised:
        slack.send(TEXT)

    # Retried twice (the default max_retries), after 0.5 s and 1 s plus up to 50% jitter.
    assert 1.5 <= time.monotonic() - started < 5
    assert raised.value.unavailable
    assert closed.webhook_url not in str(raised.value)
    assert closed.token not in str(raised.value)


def test_timeout_is_a_delivery_error() -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        host, port = silent.getsockname()
        url = f"http://{host}:{port}/services/T/B/X"
        slack = SlackNotifier(webhook_url=url, timeout_seconds=1, max_retries=1, **FAST)

        started = time.monotonic()
        with pytest.raises(SlackDeliveryError, match="could not reach") as raised:
            slack.send(TEXT)
        assert 2 <= time.monotonic() - started < 5  # timed out twice: the timeout is retried
        assert raised.value.unavailable


def test_not_configured() -> None:
    slack = SlackNotifier()

    assert not slack.alert_channel().is_configured
    assert slack.alert_channel().destination() == "not configured"
    with pytest.raises(SlackNotConfiguredError, match="not configured"):
        slack.send(TEXT)


@pytest.mark.parametrize(
    ("config", "missing"),
    [({"bot_token": "xoxb-only"}, "channel is missing"), ({"channel": "#x"}, "bot_token")],
)
def test_half_configured_bot_names_what_is_missing(config: dict, missing: str) -> None:
    slack = SlackNotifier(**config)

    assert not slack.alert_channel().is_configured
    with pytest.raises(SlackNotConfiguredError, match=missing) as raised:
        slack.send(TEXT)
    assert "xoxb-only" not in str(raised.value)


def test_empty_strings_are_unset(slack_stub: SlackStub) -> None:
    blank = SlackNotifier(webhook_url="", bot_token="", channel=" ")
    assert not blank.alert_channel().is_configured
    assert blank.alert_channel().destination() == "not configured"
    with pytest.raises(SlackNotConfiguredError):
        blank.send(TEXT)

    # An empty webhook must not shadow a working bot token + channel.
    slack = bot(slack_stub, webhook_url="")
    assert slack.send(TEXT).destination == "Slack channel #ml-dq (bot token)"
    assert [r.path for r in slack_stub.requests] == ["/api/chat.postMessage"]


def test_destination_never_contains_a_secret(slack_stub: SlackStub) -> None:
    configs = [
        SlackNotifier(webhook_url=slack_stub.webhook_url),
        bot(slack_stub),
        bot(slack_stub, webhook_url=slack_stub.webhook_url),
        SlackNotifier(bot_token=slack_stub.token),
    ]
    for slack in configs:
        assert slack_stub.webhook_url not in slack.alert_channel().destination()
        assert "XXXX" not in slack.alert_channel().destination()
        assert slack_stub.token not in slack.alert_channel().destination()
    assert (
        bot(slack_stub, channel="C0123ABC").alert_channel().destination()
        == "Slack channel C0123ABC (bot token)"
    )
    assert (
        bot(slack_stub, channel="ml-dq").alert_channel().destination()
        == "Slack channel #ml-dq (bot token)"
    )


def test_env_var_config_through_dagster(
    slack_stub: SlackStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DQ_SLACK_WEBHOOK_URL", slack_stub.webhook_url)
    resource = SlackNotifier(webhook_url=dg.EnvVar("DQ_SLACK_WEBHOOK_URL"))

    with dg.build_resources({"slack": resource}) as resources:
        assert resources.slack.send(TEXT, BLOCKS).destination == "Slack incoming webhook"

    assert slack_stub.messages() == [{"text": TEXT, "blocks": BLOCKS}]


def test_bot_env_var_config_through_dagster(
    slack_stub: SlackStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DQ_SLACK_BOT_TOKEN", slack_stub.token)
    monkeypatch.setenv("DQ_SLACK_CHANNEL", "#ml-dq")
    resource = SlackNotifier(
        bot_token=dg.EnvVar("DQ_SLACK_BOT_TOKEN"),
        channel=dg.EnvVar("DQ_SLACK_CHANNEL"),
        api_base_url=slack_stub.api_base_url,
    )

    with dg.build_resources({"slack": resource}) as resources:
        resources.slack.send(TEXT)

    (request,) = slack_stub.requests
    assert request.headers["authorization"] == f"Bearer {slack_stub.token}"
    assert request.body["channel"] == "#ml-dq"


def test_bot_send_answers_the_message_id_and_replies_in_its_thread(slack_stub: SlackStub) -> None:
    slack = bot(slack_stub)

    parent = slack.send(TEXT, BLOCKS)
    reply = slack.send("still failing", thread_ts=parent.message_id)

    assert parent == Delivered("Slack channel #ml-dq (bot token)", "C123", parent.message_id)
    assert reply.message_id is not None and reply.message_id != parent.message_id
    first, second = slack_stub.posts()
    assert (first.ts, first.thread_ts) == (parent.message_id, None)
    assert "thread_ts" not in first.body  # a channel message, not a reply
    assert (second.ts, second.thread_ts) == (reply.message_id, parent.message_id)


def test_webhook_send_has_no_message_id_and_cannot_reply_in_a_thread(
    slack_stub: SlackStub,
) -> None:
    slack = SlackNotifier(webhook_url=slack_stub.webhook_url)

    assert slack.send(TEXT) == Delivered("Slack incoming webhook")
    with pytest.raises(ValueError, match="cannot reply in a thread"):
        slack.send(TEXT, thread_ts="1700000000.000100")
    assert len(slack_stub.messages()) == 1
    assert not slack.alert_channel().replies_in_thread
    assert bot(slack_stub).alert_channel().replies_in_thread
    # the webhook wins
    assert not bot(slack_stub, webhook_url=slack_stub.webhook_url).alert_channel().replies_in_thread


def test_update_edits_a_bot_message_addressed_by_channel_id(slack_stub: SlackStub) -> None:
    slack = bot(slack_stub).alert_channel()
    posted = slack.post(TEXT, BLOCKS)

    slack.edit(posted, "edited", BLOCKS[:1])

    (request,) = [r for r in slack_stub.requests if r.path == "/api/chat.update"]
    assert request.headers["authorization"] == f"Bearer {slack_stub.token}"
    assert slack_stub.updates() == [
        {"channel": "C123", "ts": posted.message_id, "text": "edited", "blocks": BLOCKS[:1]}
    ]
    assert len(slack_stub.messages()) == 1  # edited in place, nothing new posted

    # Slack's chat.update, unlike chat.postMessage, does not take the channel's name.
    with pytest.raises(SlackDeliveryError, match=r"chat\.update failed .*channel_not_found"):
        slack.edit(Delivered(posted.destination, "#ml-dq", posted.message_id), "edited again")
    with pytest.raises(SlackDeliveryError, match="message_not_found"):
        slack.edit(Delivered(posted.destination, "C123", "1.000000"), "edited again")


def test_update_is_retried_on_a_server_error(slack_stub: SlackStub) -> None:
    slack = bot(slack_stub).alert_channel()
    posted = slack.post(TEXT)
    slack_stub.fail_next(503, "trouble")

    slack.edit(posted, "edited")

    assert [r.path for r in slack_stub.requests].count("/api/chat.update") == 2
    assert [u["text"] for u in slack_stub.updates()] == ["edited"]


def test_update_needs_the_bot_token(slack_stub: SlackStub) -> None:
    webhook = SlackNotifier(webhook_url=slack_stub.webhook_url).alert_channel()
    assert not webhook.edits
    with pytest.raises(NotImplementedError, match="cannot edit"):
        webhook.edit(Delivered("Slack incoming webhook", "C123", "1.0"), TEXT)
    assert slack_stub.requests == []
