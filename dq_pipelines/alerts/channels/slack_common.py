"""What the two Slack channels share: their errors, timeouts, retries and redaction.

Transient trouble (429 with Retry-After, 5xx, timeouts, refused or reset connections) is retried
by slack-sdk's own retry handlers (slack_retry.py), a bounded number of times; what still fails
is raised as SlackDeliveryError, and the alert outbox tries again on a later sensor tick.

Errors never carry the webhook URL or the token: both are secrets, and error text ends up in
logs, the Dagster UI and the dq_alerts table. Error text is redacted by shape (alerts/redact.py),
since a proxy may echo only the webhook's path, and slack-sdk's own loggers (which log the
request URL at DEBUG) are given a logger that redacts before any handler sees a record.
"""

import math
import time
from dataclasses import dataclass
from http.client import HTTPException

from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry import RetryHandler

from dq_pipelines.alerts.channels.base import DeliveryError
from dq_pipelines.alerts.channels.slack_retry import retry_handlers
from dq_pipelines.alerts.redact import redact

# Everything that can go wrong on the wire: URLError, timeouts, refused/reset connections,
# malformed responses, bad URLs and slack-sdk's own client errors.
TRANSPORT_ERRORS = (SlackClientError, OSError, HTTPException, ValueError)


class SlackNotConfiguredError(RuntimeError):
    """Neither a webhook nor a complete bot token + channel pair is configured."""


class SlackDeliveryError(DeliveryError):
    """Slack was configured but the message did not get through (see DeliveryError)."""


def configured(value: str | None) -> str | None:
    """Env vars are often present but empty; treat blank as unset."""
    return (value.strip() or None) if value else None


def transient(status: int) -> bool:
    return status == 429 or status >= 500


@dataclass(frozen=True)
class SlackTransport:
    """Timeouts, retries and redaction of one Slack channel's requests.

    One post takes at most about (max_retries + 1) * timeout_seconds plus the waits between
    retries (each Retry-After at most max_retry_after_seconds).
    """

    timeout_seconds: int
    max_retries: int
    retry_backoff_seconds: float
    max_retry_after_seconds: int
    secrets: tuple[str | None, ...]  # scrubbed from every error

    def timeout(self, deadline: float | None) -> int:
        """Per-request timeout: the configured one, cut to what is left before the deadline."""
        if deadline is None:
            return self.timeout_seconds
        return max(1, min(self.timeout_seconds, math.ceil(deadline - time.monotonic())))

    def retry_handlers(self, deadline: float | None) -> list[RetryHandler]:
        return retry_handlers(
            self.max_retries,
            self.retry_backoff_seconds,
            self.max_retry_after_seconds,
            deadline,
            self.timeout(deadline),
        )

    def unreachable(self, what: str, e: Exception) -> SlackDeliveryError:
        # A malformed URL (ValueError, SlackRequestError) is configuration, not an outage.
        outage = isinstance(e, OSError | HTTPException)
        return self.error(f"could not reach {what}: {type(e).__name__}: {e}", unavailable=outage)

    def error(self, message: str, unavailable: bool) -> SlackDeliveryError:
        """Build the error with any secret scrubbed out, whatever the underlying library said."""
        return SlackDeliveryError(redact(message, *self.secrets), unavailable)
