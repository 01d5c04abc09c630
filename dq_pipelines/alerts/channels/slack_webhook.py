"""A Slack incoming webhook: posts to its one channel, and can neither reply in a thread nor edit
(so a group of alerts gets one message)."""

from dataclasses import dataclass

from slack_sdk.webhook import WebhookClient

from dq_pipelines.alerts.channels.base import Channel, Delivered
from dq_pipelines.alerts.channels.slack_common import TRANSPORT_ERRORS, SlackTransport, transient
from dq_pipelines.alerts.redact import redacting_logger


@dataclass(frozen=True)
class SlackWebhookChannel(Channel):
    url: str  # a secret
    transport: SlackTransport

    name = "Slack"

    def destination(self) -> str:
        return "Slack incoming webhook"

    def post(
        self, text: str, blocks: list[dict] | None = None, *, deadline: float | None = None
    ) -> Delivered:
        client = WebhookClient(
            self.url,
            timeout=self.transport.timeout(deadline),
            retry_handlers=self.transport.retry_handlers(deadline),
            logger=redacting_logger("slack_sdk.webhook"),
        )
        try:
            response = client.send(text=text, blocks=blocks)
        except TRANSPORT_ERRORS as e:
            raise self.transport.unreachable("the webhook", e) from None
        if response.status_code != 200:
            body = (response.body or "").strip()[:200]
            raise self.transport.error(
                f"Slack webhook returned HTTP {response.status_code}: {body}",
                unavailable=transient(response.status_code),
            )
        return Delivered(self.destination())

    def reply_in_thread(
        self,
        thread_id: str,
        text: str,
        blocks: list[dict] | None = None,
        *,
        deadline: float | None = None,
    ) -> Delivered:
        raise ValueError("an incoming webhook cannot reply in a thread")
