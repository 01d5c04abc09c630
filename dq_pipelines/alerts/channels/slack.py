"""Slack delivery for data-quality alerts: an incoming webhook, or a bot token plus channel.

Only the bot token (the Web API) can reply in a thread or edit a message it posted; an incoming
webhook can only post to its channel.

Transient trouble (429 with Retry-After, 5xx, timeouts, refused or reset connections) is retried
by slack-sdk's own retry handlers, a bounded number of times; what still fails is raised as
SlackDeliveryError, and the alert outbox (alerts/from_checks.py) tries again on a later sensor tick.

Errors never carry the webhook URL or the token: both are secrets, and error text ends up in
logs, the Dagster UI and the dq_alerts table. Error text is redacted by shape (alerts/redact.py),
since a proxy may echo only the webhook's path, and slack-sdk's own loggers (which log the
request URL at DEBUG) are given a logger that redacts before any handler sees a record.
"""

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.client import HTTPException

import dagster as dg
from pydantic import Field
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import (
    RetryHandler,
)
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookClient

from dq_pipelines.alerts.channels.slack_retry import retry_handlers
from dq_pipelines.alerts.redact import redact, redacting_logger
from dq_pipelines.settings import default

DEFAULT_API_BASE_URL = default("DQ_SLACK_API_URL")
# Everything that can go wrong on the wire: URLError, timeouts, refused/reset connections,
# malformed responses, bad URLs and slack-sdk's own client errors.
_TRANSPORT_ERRORS = (SlackClientError, OSError, HTTPException, ValueError)


class SlackNotConfiguredError(RuntimeError):
    """Neither a webhook nor a complete bot token + channel pair is configured."""


class SlackDeliveryError(RuntimeError):
    """Slack was configured but the message did not get through.

    `unavailable` is true when Slack could not be reached, timed out, rate-limited or failed
    with a 5xx even after retries: any other message would fail the same way right now. False
    when Slack refused this request (bad token, unknown channel, invalid payload).
    """

    def __init__(self, message: str, unavailable: bool) -> None:
        super().__init__(message)
        self.unavailable = unavailable


@dataclass(frozen=True)
class SlackMessage:
    """A delivered message. A bot token's post is identified by its channel ID and ts, which
    thread replies and updates need; an incoming webhook answers with neither."""

    destination: str
    channel: str | None = None
    ts: str | None = None


def _set(value: str | None) -> str | None:
    """Env vars are often present but empty; treat blank as unset."""
    return (value.strip() or None) if value else None


def _transient(status: int) -> bool:
    return status == 429 or status >= 500


class SlackNotifier(dg.ConfigurableResource):
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

    @property
    def threads(self) -> bool:
        """Posts go through the bot token, so they can start threads and be edited later."""
        return not _set(self.webhook_url) and bool(_set(self.bot_token) and _set(self.channel))

    def post(self, text: str, blocks: list[dict] | None = None) -> str:
        """Send one message; returns destination(). send() also returns the message's id."""
        return self.send(text, blocks).destination

    def send(
        self,
        text: str,
        blocks: list[dict] | None = None,
        thread_ts: str | None = None,
        deadline: float | None = None,
    ) -> SlackMessage:
        """Send one message, as a reply in thread `thread_ts` if given (bot token only).

        The webhook wins when both are configured. With a `deadline` (a `time.monotonic()`
        value), requests time out and retries stop so that the call ends by then.
        """
        if _set(self.webhook_url):
            if thread_ts:
                raise ValueError("an incoming webhook cannot reply in a thread")
            self._post_webhook(text, blocks, deadline)
            return SlackMessage(self.destination())
        self._require_bot()
        response = self._call_api(
            "chat.postMessage",
            lambda client: client.chat_postMessage(
                channel=_set(self.channel), text=text, blocks=blocks, thread_ts=thread_ts
            ),
            deadline,
        )
        return SlackMessage(self.destination(), response.get("channel"), response.get("ts"))

    def update(
        self,
        channel: str,
        ts: str,
        text: str,
        blocks: list[dict] | None = None,
        deadline: float | None = None,
    ) -> None:
        """Replace the text and blocks of a message the bot posted.

        `channel` is the channel ID its post was answered with: chat.update, unlike
        chat.postMessage, does not accept a channel name.
        """
        if not self.threads:
            raise SlackNotConfiguredError(
                "editing a message needs a bot token and channel (a webhook cannot edit)"
            )
        self._call_api(
            "chat.update",
            lambda client: client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks),
            deadline,
        )

    def why_not_configured(self) -> str:
        """What is missing, for a log line (empty when Slack is configured)."""
        if self.is_configured:
            return ""
        try:
            self._require_bot()
        except SlackNotConfiguredError as e:
            return str(e)
        return ""

    def _require_bot(self) -> None:
        if _set(self.bot_token) and _set(self.channel):
            return
        if _set(self.bot_token):
            raise SlackNotConfiguredError("Slack bot_token is set but channel is missing")
        if _set(self.channel):
            raise SlackNotConfiguredError("Slack channel is set but bot_token is missing")
        raise SlackNotConfiguredError(
            "Slack is not configured: set webhook_url, or bot_token and channel"
        )

    def _timeout(self, deadline: float | None) -> int:
        """Per-request timeout: the configured one, cut to what is left before the deadline."""
        if deadline is None:
            return self.timeout_seconds
        return max(1, min(self.timeout_seconds, math.ceil(deadline - time.monotonic())))

    def _retry_handlers(self, deadline: float | None) -> list[RetryHandler]:
        return retry_handlers(
            self.max_retries,
            self.retry_backoff_seconds,
            self.max_retry_after_seconds,
            deadline,
            self._timeout(deadline),
        )

    def _post_webhook(self, text: str, blocks: list[dict] | None, deadline: float | None) -> None:
        client = WebhookClient(
            _set(self.webhook_url),
            timeout=self._timeout(deadline),
            retry_handlers=self._retry_handlers(deadline),
            logger=redacting_logger("slack_sdk.webhook"),
        )
        try:
            response = client.send(text=text, blocks=blocks)
        except _TRANSPORT_ERRORS as e:
            raise self._unreachable("the webhook", e) from None
        if response.status_code != 200:
            body = (response.body or "").strip()[:200]
            raise self._error(
                f"Slack webhook returned HTTP {response.status_code}: {body}",
                unavailable=_transient(response.status_code),
            )

    def _call_api(
        self,
        method: str,
        call: Callable[[WebClient], SlackResponse],
        deadline: float | None = None,
    ) -> SlackResponse:
        """One Web API call with the bot token, its failures as SlackDeliveryError."""
        base_url = _set(self.api_base_url) or DEFAULT_API_BASE_URL
        client = WebClient(
            token=_set(self.bot_token),
            base_url=base_url.rstrip("/") + "/",  # slack-sdk appends the method name verbatim
            timeout=self._timeout(deadline),
            retry_handlers=self._retry_handlers(deadline),
            logger=redacting_logger("slack_sdk.web"),
        )
        try:
            return call(client)
        except SlackApiError as e:
            data = e.response.data if isinstance(e.response.data, dict) else {}
            reason = data.get("error") or "unexpected response"
            raise self._error(
                f"Slack {method} failed (HTTP {e.response.status_code}): {reason}",
                unavailable=_transient(e.response.status_code),
            ) from None
        except _TRANSPORT_ERRORS as e:
            raise self._unreachable("the Slack API", e) from None

    def _unreachable(self, what: str, e: Exception) -> SlackDeliveryError:
        # A malformed URL (ValueError, SlackRequestError) is configuration, not an outage.
        outage = isinstance(e, OSError | HTTPException)
        return self._error(f"could not reach {what}: {type(e).__name__}: {e}", unavailable=outage)

    def _error(self, message: str, unavailable: bool) -> SlackDeliveryError:
        """Build the error with any secret scrubbed out, whatever the underlying library said."""
        return SlackDeliveryError(
            redact(message, _set(self.webhook_url), _set(self.bot_token)), unavailable
        )
