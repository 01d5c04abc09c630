"""The alert sensor's tick log says what it sent, to which destination, and what it held back.

The daemon stores a sensor's `context.log` lines per tick (the UI's tick view shows them);
`build_sensor_context` does not store them, so the test listens on the tick's logger.
"""

import logging

import dagster as dg
import pytest
from pipeline_support import CLEAN_DAY, FAULTY_DAY, deliver, evaluations, run_job

from dq_pipelines.alerts.channels.slack import SlackNotifier
from dq_pipelines.alerts.tick_log import Delivery, delivery_line
from dq_pipelines.cli.sample_data import Faults


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelname, record.getMessage()))


def _tick(defs, instance, resources, cursor) -> list[tuple[str, str]]:
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
    lines = _Lines()
    context.log.addHandler(lines)
    defs.resolve_sensor_def("alert_on_failed_checks")(context)
    return lines.lines


@pytest.mark.slow
def test_each_alert_is_logged_with_where_it_went(
    defs, instance, resources, project_env, slack_stub
):
    deliver(project_env, CLEAN_DAY)
    deliver(project_env, FAULTY_DAY, Faults(epoch_dates=True))
    failed = [k for k, e in evaluations(run_job(defs, instance)).items() if not e.passed]
    assert "raw_catalog.updated_at__type" in failed
    slack = SlackNotifier(webhook_url=slack_stub.webhook_url, retry_backoff_seconds=0.01)
    resources = resources | {"slack": slack}
    where = slack.alert_channel().destination()

    lines = _tick(defs, instance, resources, None)
    sent = [text for level, text in lines if text.startswith("sent ")]
    assert len(sent) == len(failed) == len(slack_stub.messages())
    assert f"sent the ERROR alert for raw_catalog.updated_at__type to {where}" in sent
    level, summary = lines[-1]  # the tick's summary, also its skip reason
    assert level == "INFO" and f"alerts: {{'sent': {len(failed)}}}" in summary

    # A tick that lost its cursor re-reads the history: each alert is said to be held back
    # as already recorded, and nothing is posted again.
    again = _tick(defs, instance, resources, None)
    repeated = [t for _, t in again if "recorded by an earlier tick, not sent again" in t]
    assert len(repeated) == len(failed) and len(slack_stub.messages()) == len(failed)


@pytest.mark.parametrize(
    ("status", "level", "said"),
    [
        ("sent", logging.INFO, "sent the ERROR alert for a.c to slack #dq"),
        ("grouped", logging.INFO, "the ERROR alert for a.c: not posted again, counted in"),
        ("stored", logging.WARNING, "held back the ERROR alert for a.c: kept in slack #dq"),
        ("failed", logging.WARNING, "held back the ERROR alert for a.c: slack #dq could not"),
        ("refused", logging.WARNING, "held back the ERROR alert for a.c: slack #dq refused it"),
        ("odd", logging.WARNING, "the ERROR alert for a.c: status 'odd'"),
    ],
)
def test_every_status_has_its_line(status, level, said):
    got_level, line = delivery_line(Delivery("a", "c", "ERROR", status, "slack #dq"))
    assert got_level == level and line.startswith(said)
