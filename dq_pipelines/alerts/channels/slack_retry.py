"""slack-sdk retry handlers for one Slack call: what is retried, how often, and until when.

Transient trouble (429 with a short Retry-After, any 5xx, timeouts, refused or reset
connections) is retried a bounded number of times; with a deadline (the alert tick's), no retry
starts that could not end by then.
"""

import random
import time
from urllib.error import URLError

from slack_sdk.http_retry import (
    BackoffRetryIntervalCalculator,
    ConnectionErrorRetryHandler,
    HttpRequest,
    HttpResponse,
    Jitter,
    RateLimitErrorRetryHandler,
    RetryHandler,
    RetryState,
)
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler

# Errors retried within a post. A read timeout surfaces as a bare TimeoutError (urllib wraps
# only connect-time errors in URLError), which slack-sdk's default list does not retry. Slack
# may have accepted a post whose answer timed out, so a retry can duplicate it: rarer and
# cheaper than an alert lost in an outage.
_RETRIED_ERRORS: list[type[Exception]] = [URLError, ConnectionError, TimeoutError]


class _ProportionalJitter(Jitter):
    """Up to +50% of each wait (slack-sdk's default adds up to a whole second to every wait)."""

    def recalculate(self, duration: float) -> float:
        return duration * (1 + random.random() / 2)


class _BeforeDeadline(RetryHandler):
    """No retry that could not finish by `deadline` (a monotonic time): the wait before it plus
    one request's timeout must fit. Set on each handler of one post (handlers are per post)."""

    deadline: float | None = None
    attempt_seconds: float = 0.0

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if self.deadline is not None:
            wait = self._longest_wait(state, response)
            if time.monotonic() + wait + self.attempt_seconds > self.deadline:
                return False
        return super().can_retry(state=state, request=request, response=response, error=error)

    def _longest_wait(self, state: RetryState, response: HttpResponse | None) -> float:
        return self.interval_calculator.calculate_sleep_duration(state.current_attempt) * 1.5


class _ConnectionErrorRetryHandler(_BeforeDeadline, ConnectionErrorRetryHandler):
    """Timeouts and refused or reset connections, within the deadline."""


class _AnyServerErrorRetryHandler(_BeforeDeadline, ServerErrorRetryHandler):
    """Every 5xx, not only 500 and 503: proxies in front of Slack answer 502 and 504 too."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code >= 500


def _retry_after(response: HttpResponse | None) -> str:
    headers = {k.lower(): v for k, v in (response.headers.items() if response else [])}
    return str((headers.get("retry-after") or ["1"])[0]).strip()


class _BoundedRateLimitRetryHandler(_BeforeDeadline, RateLimitErrorRetryHandler):
    """Waits out a 429's Retry-After only when it is short; a longer wait is left to the outbox."""

    def __init__(self, max_retry_count: int, max_wait_seconds: int) -> None:
        super().__init__(max_retry_count)
        self.max_wait_seconds = max_wait_seconds

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = _retry_after(response)
        # slack-sdk sleeps int(Retry-After) + up to 1 s; an HTTP-date value would crash it.
        return wait.isdigit() and int(wait) <= self.max_wait_seconds

    def _longest_wait(self, state: RetryState, response: HttpResponse | None) -> float:
        wait = _retry_after(response)
        return int(wait) + 1 if wait.isdigit() else 0


def retry_handlers(
    max_retries: int,
    backoff_seconds: float,
    max_retry_after_seconds: int,
    deadline: float | None,
    attempt_seconds: float,
) -> list[RetryHandler]:
    """slack-sdk's handlers share one attempt counter, so max_retries bounds them together."""
    backoff = BackoffRetryIntervalCalculator(backoff_seconds, _ProportionalJitter())
    handlers: list[_BeforeDeadline] = [
        _BoundedRateLimitRetryHandler(max_retries, max_retry_after_seconds),
        _AnyServerErrorRetryHandler(max_retries, backoff),
        _ConnectionErrorRetryHandler(max_retries, backoff, error_types=_RETRIED_ERRORS),
    ]
    for handler in handlers:
        handler.deadline, handler.attempt_seconds = deadline, attempt_seconds
    return list(handlers)
