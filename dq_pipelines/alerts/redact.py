"""Slack secrets removed from text by their shape, before any error text is logged or stored.

Matching the configured secret verbatim is not enough: a proxy's error page echoes only the
webhook's path (`Cannot POST /services/T.../B.../...`), and a library may log a URL in pieces.
So every token-shaped word and everything after `/services/` is replaced, whatever the source.
"""

import logging
import re

REDACTED = "[redacted]"
_SHAPES = (
    # Bot, user, app-level and refresh tokens: xoxb-..., xoxp-..., xoxa-..., xoxr-..., ...
    re.compile(r"xox[a-z]-[A-Za-z0-9-]+"),
    # An incoming webhook's path: every segment after /services/ is part of the secret.
    re.compile(r"(?<=/services/)[^\s'\"<>]+"),
    # The same path without its prefix (team / bot / secret), as some proxies print it.
    re.compile(r"\bT[A-Z0-9]{2,}/B[A-Z0-9]{2,}/[A-Za-z0-9]+"),
)


def redact(text: str, *secrets: str | None) -> str:
    """`text` with token and webhook shapes, and any of `secrets` verbatim, replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    for shape in _SHAPES:
        text = shape.sub(REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with secrets redacted (the record is still emitted)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def redacting_logger(name: str) -> logging.Logger:
    """A logger for a third-party client (slack-sdk) whose messages are redacted before any
    handler sees them. It is not registered with `logging.getLogger`, so nothing global is
    changed; its records still propagate to `name`'s handlers and level."""
    logger = logging.Logger(f"{name}.redacted")
    logger.parent = logging.getLogger(name)
    logger.addFilter(RedactingFilter())
    return logger
