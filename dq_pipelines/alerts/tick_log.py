"""What one alert-sensor tick did, in lines for its log (the UI's tick view shows them).

A tick requests no runs, so Dagster's own tick summary says "0 runs requested"; these lines say
which alert went where and what was held back (not configured, refused, channel unavailable,
left for the next tick by the tick's budget). The daemon stores a sensor's `context.log` lines
per tick; alerts/outbox.py has the statuses these lines explain.
"""

import logging
from dataclasses import dataclass

from dq_pipelines.alerts.channels.base import Channel


@dataclass(frozen=True)
class Delivery:
    """One alert this tick handled: which check, its delivery status and where it went."""

    asset: str
    check_name: str
    severity: str
    status: str
    destination: str


# status -> (log level, what happened); {what} is the alert, {where} its destination.
_SAID = {
    "sent": (logging.INFO, "sent {what} to {where}"),
    "grouped": (
        logging.INFO,
        "{what}: not posted again, counted in the check's open alert group ({where} has "
        "its message)",
    ),
    "duplicate": (logging.INFO, "{what}: recorded by an earlier tick, not sent again"),
    "stored": (logging.WARNING, "held back {what}: kept in {where}, not posted"),
    "failed": (
        logging.WARNING,
        "held back {what}: {where} could not be reached; kept in dq_alerts and retried next tick",
    ),
    "refused": (logging.WARNING, "held back {what}: {where} refused it; kept in dq_alerts"),
}


def destination(status: str, channel: Channel) -> str:
    """Where an alert of this status went: the channel, or only dq_alerts when it is not
    configured."""
    if status == "stored":
        return f"dq_alerts ({channel.why_not_configured() or channel.name + ' not configured'})"
    return channel.destination()


def delivery_line(delivery: Delivery) -> tuple[int, str]:
    """The log level and line for one alert."""
    level, said = _SAID.get(
        delivery.status, (logging.WARNING, f"{{what}}: status '{delivery.status}'")
    )
    what = f"the {delivery.severity} alert for {delivery.asset}.{delivery.check_name}"
    return level, said.format(what=what, where=delivery.destination)


def log_deliveries(log: logging.Logger, deliveries: list[Delivery]) -> None:
    """One line per alert, at INFO when it went out and WARNING when it was held back."""
    for delivery in deliveries:
        level, line = delivery_line(delivery)
        log.log(level, line)
