"""How much one tick of the alert sensor may do.

Dagster gives a sensor tick 60 s. A backlog (a lost cursor over months of failures, a slow or
rate-limited Slack) must not run past that, so a tick handles at most `max_alerts_per_tick`
alerts (retries included) and starts none after `tick_seconds`; a post's own retries stop at
the same deadline. What is left waits in the outbox or behind the sensor's cursor, which covers
only what was handled, for the next tick.
"""

import time

import dagster as dg
from pydantic import Field

from dq_pipelines.settings import default


class TickBudget:
    """Alerts left and the deadline of one sensor tick (not shared between ticks)."""

    def __init__(self, max_alerts: int, seconds: float) -> None:
        self.max_alerts = max_alerts
        self.deadline = time.monotonic() + seconds
        self.used = 0

    def spent(self) -> bool:
        """No further alert may be started this tick."""
        return self.used >= self.max_alerts or time.monotonic() >= self.deadline

    def take(self) -> None:
        self.used += 1


class AlertTickPolicy(dg.ConfigurableResource):
    """Limits of one alert sensor tick, and how long an unfinished check holds its cursor.

    (No pydantic bounds: a `dg.EnvVar.int` placeholder would fail them before it is resolved.)
    """

    max_alerts_per_tick: int = Field(
        default=int(default("DQ_ALERT_MAX_PER_TICK")),
        description="Alerts handled per tick, retries included.",
    )
    tick_seconds: int = Field(
        default=int(default("DQ_ALERT_TICK_SECONDS")),
        description="No alert is started after this; Dagster stops at 60 s.",
    )
    pending_hold_seconds: int = Field(
        default=int(default("DQ_ALERT_PENDING_HOLD_SECONDS")),
        description=(
            "How long a check planned in a run still going holds the alert cursor; after that "
            "later executions are read and the check is alerted whenever it completes."
        ),
    )

    def budget(self) -> TickBudget:
        return TickBudget(self.max_alerts_per_tick, self.tick_seconds)
