"""`dq-pipelines ingest` and `status`, and what the verbs print (issue 10 finding 9)."""

import dataclasses
import logging

import pytest
from click.testing import CliRunner

from dq_pipelines.cli import main

GENERATE = ["generate", "--products", "100"]


@pytest.fixture
def home(project_env, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(project_env / "dagster_home"))
    return project_env / "dagster_home"


def test_status_of_an_empty_warehouse_says_nothing_was_loaded(project_env, home):
    result = CliRunner().invoke(main, ["status"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("nothing loaded yet")


def test_ingest_with_nothing_landed_says_why(project_env, home):
    result = CliRunner().invoke(main, ["ingest", "catalog", "--date", "2026-11-20"])
    assert result.exit_code == 1
    assert "no delivery of catalog for 2026-11-20 in" in result.output
    assert "landed dates: none" in result.output and "nothing to ingest" in result.output


@pytest.mark.slow
def test_ingest_loads_a_source_then_status_reports_it(project_env, home):
    """There was no command to ingest a source after `generate`."""
    runner = CliRunner()
    assert runner.invoke(main, [*GENERATE, "--date", "2026-11-27"]).exit_code == 0

    loaded = runner.invoke(main, ["ingest", "catalog"])
    assert loaded.exit_code == 0, loaded.output
    assert "running ingest of catalog 2026-11-27: raw_catalog, stg_catalog" in loaded.output
    assert "== ingest of catalog 2026-11-27" in loaded.output
    assert "checks: 22 passed, 0 failed" in loaded.output
    assert "training: not part of this run" in loaded.output

    again = runner.invoke(main, ["ingest", "catalog", "--date", "2026-11-27"])
    assert again.exit_code == 1
    assert "DUPLICATE raw_catalog delivery 2026-11-27: same content as load" in again.output
    assert "nothing was loaded" in again.output

    missing = runner.invoke(main, ["ingest", "catalog", "--date", "2026-11-20"])
    assert missing.exit_code == 1
    assert "no delivery of catalog for 2026-11-20" in missing.output
    assert "landed dates: 2026-11-27" in missing.output

    status = runner.invoke(main, ["status"])
    assert status.exit_code == 0, status.output
    catalog = status.output.split("catalog:\n")[1].split("feedback:")[0]
    assert "latest load: 2026-11-27 loaded" in catalog
    assert "raw_catalog: published: 100 of 100 rows published, 0 quarantined" in catalog
    assert "failing checks: none" in catalog
    assert "feedback:\n  latest load: nothing loaded yet" in status.output


@pytest.mark.slow
def test_ingest_exits_1_when_a_blocking_check_fails(project_env, home):
    runner = CliRunner()
    faulty = [*GENERATE, "--date", "2026-11-28", "--duplicate-ids", "0.2"]
    assert runner.invoke(main, faulty).exit_code == 0
    result = runner.invoke(main, ["ingest", "catalog"])
    assert result.exit_code == 1
    assert "FAILED raw_catalog.product_id__unique [ERROR, blocking]" in result.output
    status = runner.invoke(main, ["status"])
    assert "raw_catalog.product_id__unique [ERROR]" in status.output


def _outcome(selected: set[str]):
    from dq_pipelines.cli.summary import RunOutcome

    return RunOutcome("replay", "r" * 32, True, [], [], [], [], frozenset(selected), [], [])


def test_a_replay_of_a_source_feeding_no_model_does_not_say_training_blocked():
    """Replay of a source that feeds no training said `training: BLOCKED`."""
    from dq_pipelines.cli.summary import training_line
    from dq_pipelines.declared.project import load_project

    project = load_project()
    requests = {"raw_inference_requests"} | project.descendants("raw_inference_requests")
    line = training_line(_outcome(requests), warehouse=None)
    assert line == "training: not affected (raw_inference_requests feeds no model)"
    ingest = training_line(_outcome({"raw_catalog", "stg_catalog"}), warehouse=None)
    assert ingest.startswith("training: not part of this run")


def test_an_unconfigured_channel_is_reported_once_per_tick(warehouse, caplog):
    """~110 lines of "Slack is not configured" (a warning and a body per alert) in the demo."""
    from dq_pipelines.alerts.channels.slack import SlackNotifier
    from dq_pipelines.alerts.from_checks import AlertOutbox, CheckAlert

    log = logging.getLogger("test_cli_ingest")
    outbox = AlertOutbox(SlackNotifier().alert_channel(), warehouse, log)
    with caplog.at_level(logging.WARNING, logger=log.name):
        statuses = [
            outbox.deliver(
                CheckAlert(
                    asset="stg_catalog",
                    check_name=f"check_{i}",
                    severity="ERROR",
                    blocking=True,
                    run_id="run-1",
                    run_url="http://dagster.test/runs/run-1",
                    blocked_assets=(),
                )
            )
            for i in range(5)
        ]
    assert statuses == ["stored"] * 5
    assert [r.getMessage() for r in caplog.records] == [
        "Slack is not configured: set webhook_url, or bot_token and channel; alerts are kept "
        "in dq_alerts (status 'stored'), not posted"
    ]


def test_demo_alert_lines_count_once_and_show_bodies_only_when_verbose(warehouse):
    from dq_pipelines.cli.demo import alert_lines
    from dq_pipelines.storage.ops_tables import ALERTS, insert

    with warehouse.connect() as conn:
        insert(conn, ALERTS, [
            {"alert_id": f"a{i}", "run_id": run, "status": "stored", "asset": "stg_catalog",
             "check_name": f"c{i}", "severity": "ERROR", "text": f"body {i}",
             "destination": "dq_alerts table (Slack not configured)"}
            for i, run in enumerate(["dirty", "faulty", "faulty"])
        ])  # fmt: skip
    runs = [dataclasses.replace(_outcome(set()), run_id=r, label=r) for r in ("dirty", "faulty")]
    quiet = alert_lines(warehouse, runs, verbose=False)
    assert quiet == [
        "alerts: 3 stored -> dq_alerts table (Slack not configured) "
        "(1 from the dirty, 2 from the faulty)"
    ]
    verbose = alert_lines(warehouse, runs, verbose=True)
    assert verbose[0] == quiet[0] and "  body 2" in verbose
