"""What an alert says: its text and Slack blocks, with every value from data shown as data.

Values that come from data (asset and check names, metadata, samples, descriptions) are never
markup: `&`, `<` and `>` are escaped in the text and in every block, so a value cannot mention
(`<!channel>`), link (`<http://...|...>`) or break the message. Facts are shown in inline code
spans; Slack's mrkdwn has no escape for a backtick, so a backtick in a value is replaced by
U+02CB (MODIFIER LETTER GRAVE ACCENT, which looks like one) and cannot close its span. Mrkdwn
sections showing data are `verbatim`: Slack does not link a URL or #channel name found in them.
The links are the run's and the scorecard's (when DQ_SCORECARD_URL is set), each only if it is
an http(s) URL; their `|`, `<`, `>` and spaces are percent-encoded and `&` escaped, so they cannot
carry a label or a mention of their own.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

_BACKTICK_LOOKALIKE = "\u02cb"  # MODIFIER LETTER GRAVE ACCENT: cannot close a code span
_HEADER_LIMIT, _SECTION_LIMIT = 150, 3000  # Slack's limits for these text objects
# A run link's characters that would end the link, start its label or break the URL.
_URL_UNSAFE = {"|": "%7C", "<": "%3C", ">": "%3E", " ": "%20", "`": "%60"}


def escape(text: str) -> str:
    """Text from data, shown as itself in Slack: no mention, link or entity can come from it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _value(value: Any) -> str:
    """A metadata value as escaped text that a backtick cannot break out of."""
    return escape(_fmt(value)).replace("`", _BACKTICK_LOOKALIKE)


def _clip(text: str, limit: int) -> str:
    """Escaped text cut to Slack's limit, never in the middle of an entity such as `&amp;`."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    entity = cut.rfind("&")
    if entity != -1 and ";" not in cut[entity:]:
        cut = cut[:entity]
    return cut + "\u2026"


def _safe_url(url: str) -> str | None:
    """The run URL as Slack link markup, or None if it is not an http(s) URL with a host."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    safe = url.strip().replace("&", "&amp;")
    for unsafe, encoded in _URL_UNSAFE.items():
        safe = safe.replace(unsafe, encoded)
    return safe


def run_link(url: str, label: str | None = None) -> str:
    """`<url|label>` (or `<url>`) for our own run URL; one that is not http(s) is shown as
    escaped text."""
    safe = _safe_url(url)
    if safe is None:
        return escape(url)
    return f"<{safe}|{label}>" if label else f"<{safe}>"


def run_url_text(url: str) -> str:
    """The run URL in plain text (Slack links it there by itself), escaped like any value."""
    return _safe_url(url) or escape(url)


def _mrkdwn(text: str) -> dict[str, Any]:
    """A section of data: `verbatim`, so Slack links no URL or channel name found in it."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


@dataclass(frozen=True)
class CheckAlert:
    asset: str
    check_name: str
    severity: str
    blocking: bool
    run_id: str
    run_url: str
    blocked_assets: tuple[str, ...]
    facts: dict[str, Any] = field(default_factory=dict)
    scorecard_url: str | None = None  # linked when set (DQ_SCORECARD_URL)

    @property
    def alert_id(self) -> str:
        """One alert per check evaluation: a run evaluates a check at most once."""
        return f"{self.run_id}:{self.asset}:{self.check_name}"

    @property
    def blocked_text(self) -> str:
        """What the failure blocked, escaped."""
        if not self.blocking:
            return "Nothing blocked (non-blocking check: downstream assets still ran)."
        return "Blocked: " + escape(", ".join(self.blocked_assets) or "nothing downstream")

    def text(self) -> str:
        lines = [
            f"Data check failed: {escape(self.asset)} / {escape(self.check_name)} "
            f"({escape(self.severity)}{', blocking' if self.blocking else ''})",
            *(f"- {k}: {_value(v)}" for k, v in self.facts.items()),
            self.blocked_text,
            f"Run: {run_url_text(self.run_url)}",
        ]
        if self.scorecard_url:
            lines.append(f"Scorecard: {run_url_text(self.scorecard_url)}")
        return "\n".join(lines)

    def _links(self) -> str:
        run = run_link(self.run_url, "Open the run")
        if not self.scorecard_url:
            return run
        return f"{run}  |  {run_link(self.scorecard_url, 'Open the scorecard')}"

    def blocks(self) -> list[dict[str, Any]]:
        icon = ":red_circle:" if self.severity == "ERROR" else ":large_yellow_circle:"
        summary = f"{icon} *{escape(self.severity)}*{' (blocking)' if self.blocking else ''}"
        shown = [summary]
        for k, v in self.facts.items():  # whole facts only: a cut could leave a span open
            line = f"*{escape(k)}*: `{_value(v)}`"
            if len("\n".join([*shown, line])) > _SECTION_LIMIT - 40:
                shown.append("_more details in dq_alerts_")
                break
            shown.append(line)
        header = f"Check failed: {escape(self.asset)}.{escape(self.check_name)}"
        return [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": _clip(header, _HEADER_LIMIT)},
            },
            _mrkdwn("\n".join(shown)),
            _mrkdwn(self.blocked_text),
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": self._links()},
            },
        ]


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 300 else text[:297] + "..."


FRESHNESS_POLICY_CHECK = "freshness_policy"


def freshness_alert(
    asset: str, failed_at: datetime, severity: str, fail_window: str, url: str
) -> CheckAlert:
    """A FAIL from Dagster's freshness daemon, in the same shape (one alert per transition)."""
    return CheckAlert(
        asset=asset,
        check_name=FRESHNESS_POLICY_CHECK,
        severity=severity,
        blocking=False,
        run_id=f"freshness-{failed_at:%Y%m%dT%H%M%S}",
        run_url=url,
        blocked_assets=(),
        facts={"state": "FAIL", "since": failed_at.isoformat(), "fail_window": fail_window},
    )
