"""`dagster dev` (webserver and daemon) on 127.0.0.1 over the demo's instance and warehouse
(conftest.py), driven and queried over GraphQL."""

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import requests
from dagster_graphql import DagsterGraphQLClient
from demo_state import DemoRuns

from dq_pipelines.cli.sample_data import Faults, generate_delivery
from dq_pipelines.layout import PROJECT_ROOT

pytestmark = [pytest.mark.served, pytest.mark.smoke, pytest.mark.slow]

ASSETS_QUERY = """
{ assetNodes { assetKey { path }
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }
"""
CHECK_QUERY = """
query ($key: AssetKeyInput!, $name: String!) {
  assetCheckExecutions(assetKey: $key, checkName: $name, limit: 5) {
    runId status evaluation { severity metadataEntries { label } } } }
"""

AUTOMATION_QUERY = """
query ($repo: RepositorySelector!) {
  schedulesOrError(repositorySelector: $repo) {
    ... on Schedules { results { name cronSchedule scheduleState { status } } } }
  sensorsOrError(repositorySelector: $repo) {
    ... on Sensors { results { name sensorState { status } } } } }
"""
NEXT_DAY = date(2026, 11, 29)  # the day after the demo's last delivery
REPO = {"repositoryLocationName": "dq_pipelines", "repositoryName": "__repository__"}


@pytest.fixture(scope="module")
def port(ui: str) -> int:
    """The served UI's port: the GraphQL client takes a host and a port."""
    return int(ui.rsplit(":", 1)[1])


def _graphql(port: int, query: str, variables: dict | None = None) -> dict:
    response = requests.post(
        f"http://127.0.0.1:{port}/graphql",
        json={"query": query, "variables": variables or {}},
        timeout=60,
    )
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def test_webserver_shows_assets_checks_and_the_failed_check(port: int, faulty_run_id: str):
    run_id = faulty_run_id
    client = DagsterGraphQLClient("127.0.0.1", port_number=port)
    assert client.get_run_status(run_id).value == "SUCCESS"

    nodes = _graphql(port, ASSETS_QUERY)["assetNodes"]
    by_key = {"/".join(n["assetKey"]["path"]): n for n in nodes}
    assert {"raw_catalog", "stg_catalog", "training_set", "category_model"} <= set(by_key)
    raw_checks = {c["name"]: c for c in by_key["raw_catalog"]["assetChecksOrError"]["checks"]}
    # Dagster's blocking flag would fail the run; the asset's step stops its downstream itself.
    assert raw_checks["updated_at__type"]["blocking"] is False

    executions = _graphql(
        port,
        CHECK_QUERY,
        {"key": {"path": ["raw_catalog"]}, "name": "updated_at__type"},
    )["assetCheckExecutions"]
    (faulty,) = [e for e in executions if e["runId"] == run_id]
    assert faulty["status"] == "FAILED"
    labels = {m["label"] for m in faulty["evaluation"]["metadataEntries"]}
    assert {"unexpected_count", "unexpected_percent", "unexpected_sample"} <= labels
    # What the hold blocked did not run: the UI reads its checks "Skipped", not failed.
    blocked = _graphql(
        port, CHECK_QUERY, {"key": {"path": ["training_set"]}, "name": "labels__missing"}
    )["assetCheckExecutions"]
    assert [e["status"] for e in blocked if e["runId"] == run_id] == ["SKIPPED"]


def test_webserver_lists_the_schedule_and_running_sensors(port: int):
    data = _graphql(port, AUTOMATION_QUERY, {"repo": REPO})
    schedules = {s["name"]: s for s in data["schedulesOrError"]["results"]}
    assert schedules["daily_ingest_schedule"]["cronSchedule"] == "0 6 * * *"
    assert schedules["daily_ingest_schedule"]["scheduleState"]["status"] == "RUNNING"
    sensors = {s["name"]: s["sensorState"]["status"] for s in data["sensorsOrError"]["results"]}
    assert sensors == {
        "alert_on_failed_checks": "RUNNING",
        "reap_dead_runs": "RUNNING",
        "refresh_scorecard_after_failed_ingest": "RUNNING",
        "refresh_scorecard_after_ingest": "RUNNING",
        "retrain_on_drift": "RUNNING",
        "summarize_failed_runs": "RUNNING",
        "summarize_successful_runs": "RUNNING",
        "training_automation": "RUNNING",
    }


def test_a_job_launched_from_the_webserver_runs_its_checks_and_blocks(
    port: int, demo_runs: DemoRuns
):
    # A new delivery whose dates switched to epoch seconds lands in the demo's landing.
    landing = Path(demo_runs.ui_env["DQ_LANDING_DIR"])
    generate_delivery(landing, NEXT_DAY, n_products=300, faults=Faults(epoch_dates=True))
    client = DagsterGraphQLClient("127.0.0.1", port_number=port)
    run_id = client.submit_job_execution("ingest_job", repository_location_name="dq_pipelines")
    deadline = time.monotonic() + 180
    while (status := client.get_run_status(run_id).value) not in ("SUCCESS", "FAILURE"):
        assert time.monotonic() < deadline, f"run {run_id} still {status}"
        time.sleep(1)
    assert status == "SUCCESS"  # the faulty delivery was held, not the run failed
    executions = _graphql(
        port,
        CHECK_QUERY,
        {"key": {"path": ["raw_catalog"]}, "name": "updated_at__type"},
    )["assetCheckExecutions"]
    assert executions[0]["runId"] == run_id and executions[0]["status"] == "FAILED"


def test_dagster_definitions_validate_succeeds(tmp_path):
    env = os.environ | {"DAGSTER_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "dagster"),
            "definitions",
            "validate",
            "-w",
            "workspace.yaml",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "All code locations passed validation" in done.stderr + done.stdout
