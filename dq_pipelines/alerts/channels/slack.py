"""The `slack` resource: an incoming webhook, or a bot token plus channel (the webhook wins when
both are set). It builds the matching channel (slack_webhook.py or slack_bot.py), which the
alert outbox delivers through; only the bot token can reply in a thread or edit a message."""

from pydantic import Field

from dq_pipelines.alerts.channels.base import Channel, ChannelResource, Delivered
from dq_pipelines.alerts.channels.slack_bot import DEFAULT_API_BASE_URL, SlackBotChannel
from dq_pipelines.alerts.channels.slack_common import (
    SlackDeliveryError,
    SlackNotConfiguredError,
    SlackTransport,
    configured,
)
from dq_pipelines.alerts.channels.slack_webhook import SlackWebhookChannel

__all__ = ["SlackDeliveryError", "SlackNotConfiguredError", "SlackNotifier"]


class SlackNotifier(ChannelResource):
    """Posts alerts to Slack through an incoming webhook, or a bot token plus channel.

    One post takes at most about (max_retries + 1) * timeout_seconds plus the waits between
    retries (each Retry-After at most max_retry_after_seconds).
    """

    webhook_url: str | None = Field(default=None, description="Incoming webhook URL (secret).")
    bot_token: str | None = Field(default=None, description="Bot token, used with channel.")
    channel: str | None = Field(default=None, description="Channel for the bot token.")
    api_base_url: str = Field(default=DEFAULT_API_BASE_URL, description="Slack Web API base URL.")
    timeout_seconds: int = Field(default=10, description="Per-request timeout.")
    max_retries: int = Field(
        default=2, ge=0, description="Retries per post on 429, 5xx, timeouts and connection errors."
    )
    retry_backoff_seconds: float = Field(
        default=0.5, gt=0, description="First wait between retries; doubles on each retry."
    )
    max_retry_after_seconds: int = Field(
        default=10, ge=0, description="Longest 429 Retry-After waited out within one post."
    )

    def alert_channel(self) -> Channel:
        transport = SlackTransport(
            self.timeout_seconds,
            self.max_retries,
            self.retry_backoff_seconds,
            self.max_retry_after_seconds,
            secrets=(configured(self.webhook_url), configured(self.bot_token)),
        )
        webhook_url = configured(self.webhook_url)
        if webhook_url:
            return SlackWebhookChannel(webhook_url, transport)
        return SlackBotChannel(
            configured(self.bot_token),
            configured(self.channel),
            configured(self.api_base_url) or DEFAULT_API_BASE_URL,
            transport,
        )

    def send(
        self,
        text: str,
        blocks: list[dict] | None = None,
        thread_ts: str | None = None,
        deadline: float | None = None,
    ) -> Delivered:
        """Send one message, as a reply in thread `thread_ts` if given (bot token only)."""
        channel = self.alert_channel()
        if thread_ts:
            return channel.reply_in_thread(thread_ts, text, blocks, deadline=deadline)
        return channel.post(text, blocks, deadline=deadline)
