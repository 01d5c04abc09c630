"""Slack delivery for data-quality alerts: an incoming webhook, or a bot token plus channel.

Errors never carry the webhook URL or the token: both are secrets, and error text ends up in
logs, the Dagster UI and the dq_alerts table.
"""

import re
from http.client import HTTPException

import dagster as dg
from pydantic import Field
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

DEFAULT_API_BASE_URL = "https://slack.com/api/"
# Everything that can go wrong on the wire: URLError, timeouts, refused/reset connections,
# malformed responses, bad URLs and slack-sdk's own client errors.
_TRANSPORT_ERRORS = (SlackClientError, OSError, HTTPException, ValueError)


class SlackNotConfiguredError(RuntimeError):
    """Neither a webhook nor a complete bot token + channel pair is configured."""


class SlackDeliveryError(RuntimeError):
    """Slack was configured but the message did not get through."""


def _set(value: str | None) -> str | None:
    """Env vars are often present but empty; treat blank as unset."""
    return (value.strip() or None) if value else None


class SlackNotifier(dg.ConfigurableResource):
    """Posts alerts to Slack through an incoming webhook, or a bot token plus channel."""

    webhook_url: str | None = Field(default=None, description="Incoming webhook URL (secret).")
    bot_token: str | None = Field(default=None, description="Bot token, used with channel.")
    channel: str | None = Field(default=None, description="Channel for the bot token.")
    api_base_url: str = Field(default=DEFAULT_API_BASE_URL, description="Slack Web API base URL.")
    timeout_seconds: int = Field(default=10, description="Per-request timeout.")

    @property
    def is_configured(self) -> bool:
        return bool(_set(self.webhook_url) or (_set(self.bot_token) and _set(self.channel)))

    def destination(self) -> str:
        """Where posts go, safe to print and store: never contains a secret."""
        if _set(self.webhook_url):
            return "Slack incoming webhook"
        channel = _set(self.channel)
        if channel and _set(self.bot_token):
            # Channel IDs (C0123ABC) are shown as-is; names get a single leading '#'.
            is_id = re.fullmatch(r"[CGD][A-Z0-9]{6,}", channel)
            return f"Slack channel {channel if is_id else '#' + channel.lstrip('#')} (bot token)"
        return "not configured"

    def post(self, text: str, blocks: list[dict] | None = None) -> str:
        """Send one message; returns destination(). The webhook wins when both are configured."""
        if _set(self.webhook_url):
            self._post_webhook(text, blocks)
        elif _set(self.bot_token) and _set(self.channel):
            self._post_bot(text, blocks)
        elif _set(self.bot_token):
            raise SlackNotConfiguredError("Slack bot_token is set but channel is missing")
        elif _set(self.channel):
            raise SlackNotConfiguredError("Slack channel is set but bot_token is missing")
        else:
            raise SlackNotConfiguredError(
                "Slack is not configured: set webhook_url, or bot_token and channel"
            )
        return self.destination()

    def _post_webhook(self, text: str, blocks: list[dict] | None) -> None:
        client = WebhookClient(_set(self.webhook_url), timeout=self.timeout_seconds)
        try:
            response = client.send(text=text, blocks=blocks)
        except _TRANSPORT_ERRORS as e:
            raise self._error(f"could not reach the webhook: {type(e).__name__}: {e}") from None
        if response.status_code != 200:
            body = (response.body or "").strip()[:200]
            raise self._error(f"Slack webhook returned HTTP {response.status_code}: {body}")

    def _post_bot(self, text: str, blocks: list[dict] | None) -> None:
        base_url = _set(self.api_base_url) or DEFAULT_API_BASE_URL
        client = WebClient(
            token=_set(self.bot_token),
            base_url=base_url.rstrip("/") + "/",  # slack-sdk appends the method name verbatim
            timeout=self.timeout_seconds,
        )
        try:
            client.chat_postMessage(channel=_set(self.channel), text=text, blocks=blocks)
        except SlackApiError as e:
            data = e.response.data if isinstance(e.response.data, dict) else {}
            reason = data.get("error") or "unexpected response"
            raise self._error(
                f"Slack chat.postMessage failed (HTTP {e.response.status_code}): {reason}"
            ) from None
        except _TRANSPORT_ERRORS as e:
            raise self._error(f"could not reach the Slack API: {type(e).__name__}: {e}") from None

    def _error(self, message: str) -> SlackDeliveryError:
        """Build the error with any secret scrubbed out, whatever the underlying library said."""
        for secret in (_set(self.webhook_url), _set(self.bot_token)):
            if secret:
                message = message.replace(secret, "[redacted]")
        return SlackDeliveryError(message)
