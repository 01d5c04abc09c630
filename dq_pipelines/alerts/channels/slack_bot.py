"""A Slack bot token plus channel, through the Web API: it can reply in a thread and edit the
messages it posted, so a group of alerts is one thread whose first message keeps count."""

import re
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from dq_pipelines.alerts.channels.base import Channel, Delivered
from dq_pipelines.alerts.channels.slack_common import (
    TRANSPORT_ERRORS,
    SlackNotConfiguredError,
    SlackTransport,
    transient,
)
from dq_pipelines.alerts.redact import redacting_logger
from dq_pipelines.settings import default

DEFAULT_API_BASE_URL = default("DQ_SLACK_API_URL")


@dataclass(frozen=True)
class SlackBotChannel(Channel):
    """Posts with chat.postMessage and edits with chat.update. Either of `token` and `channel`
    may be missing: the channel is then not configured, and says which is missing."""

    token: str | None  # a secret
    channel: str | None
    api_base_url: str
    transport: SlackTransport

    name = "Slack"
    replies_in_thread = True
    edits = True

    @property
    def is_configured(self) -> bool:
        return bool(self.token and self.channel)

    def why_not_configured(self) -> str:
        if self.token and self.channel:
            return ""
        if self.token:
            return "Slack bot_token is set but channel is missing"
        if self.channel:
            return "Slack channel is set but bot_token is missing"
        return "Slack is not configured: set webhook_url, or bot_token and channel"

    def destination(self) -> str:
        if not self.is_configured:
            return "not configured"
        # Channel IDs (C0123ABC) are shown as-is; names get a single leading '#'.
        channel = self.channel or ""
        is_id = re.fullmatch(r"[CGD][A-Z0-9]{6,}", channel)
        return f"Slack channel {channel if is_id else '#' + channel.lstrip('#')} (bot token)"

    def post(
        self, text: str, blocks: list[dict] | None = None, *, deadline: float | None = None
    ) -> Delivered:
        return self._post_message(text, blocks, None, deadline)

    def reply_in_thread(
        self,
        thread_id: str,
        text: str,
        blocks: list[dict] | None = None,
        *,
        deadline: float | None = None,
    ) -> Delivered:
        return self._post_message(text, blocks, thread_id, deadline)

    def edit(
        self,
        message: Delivered,
        text: str,
        blocks: list[dict] | None = None,
        *,
        deadline: float | None = None,
    ) -> None:
        """`message.conversation` is the channel ID its post was answered with: chat.update,
        unlike chat.postMessage, does not accept a channel name."""
        self._call_api(
            "chat.update",
            lambda client: client.chat_update(
                channel=message.conversation, ts=message.message_id, text=text, blocks=blocks
            ),
            deadline,
        )

    def _post_message(
        self, text: str, blocks: list[dict] | None, thread_ts: str | None, deadline: float | None
    ) -> Delivered:
        response = self._call_api(
            "chat.postMessage",
            lambda client: client.chat_postMessage(
                channel=self.channel, text=text, blocks=blocks, thread_ts=thread_ts
            ),
            deadline,
        )
        return Delivered(self.destination(), response.get("channel"), response.get("ts"))

    def _call_api(
        self,
        method: str,
        call: Callable[[WebClient], SlackResponse],
        deadline: float | None = None,
    ) -> SlackResponse:
        """One Web API call with the bot token, its failures as SlackDeliveryError."""
        if not self.is_configured:
            raise SlackNotConfiguredError(self.why_not_configured())
        client = WebClient(
            token=self.token,
            base_url=self.api_base_url.rstrip("/") + "/",  # slack-sdk appends the method verbatim
            timeout=self.transport.timeout(deadline),
            retry_handlers=self.transport.retry_handlers(deadline),
            logger=redacting_logger("slack_sdk.web"),
        )
        try:
            return call(client)
        except SlackApiError as e:
            data = e.response.data if isinstance(e.response.data, dict) else {}
            reason = data.get("error") or "unexpected response"
            raise self.transport.error(
                f"Slack {method} failed (HTTP {e.response.status_code}): {reason}",
                unavailable=transient(e.response.status_code),
            ) from None
        except TRANSPORT_ERRORS as e:
            raise self.transport.unreachable("the Slack API", e) from None
