"""`dagster dev` (webserver and daemon) on 127.0.0.1, driven and queried over GraphQL."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
import requests
from dagster_graphql import DagsterGraphQLClient
from ui_server import dagster_dev

from dq_pipelines.cli import INSTANCE_CONFIG
from dq_pipelines.cli.sample_data import Faults, generate_delivery
from dq_pipelines.layout import PROJECT_ROOT

pytestmark = [pytest.mark.smoke, pytest.mark.slow]

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
REPO = {"repositoryLocationName": "dq_pipelines", "repositoryName": "__repository__"}


@pytest.fixture(scope="module")
def faulty_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A DAGSTER_HOME holding one faulty run of the whole pipeline (shared by this module)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield _faulty_home(tmp_path_factory.mktemp("smoke"), monkeypatch)


def _faulty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    # The instance config `make ui` uses, pool limit included: a job launched through the
    # webserver must still run with it.
    (home / "dagster.yaml").write_text(INSTANCE_CONFIG.read_text())
    for name, sub in [
        ("DQ_DUCKDB_PATH", "w.duckdb"),
        ("DQ_LANDING_DIR", "landing"),
        ("DQ_ARTIFACTS_DIR", "artifacts"),
        ("DQ_REPORTS_DIR", "reports"),
    ]:
        monkeypatch.setenv(name, str(tmp_path / sub))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    generate_delivery(
        tmp_path / "landing", date(2026, 11, 28), n_products=300, faults=Faults(epoch_dates=True)
    )
    from dq_pipelines.definitions import defs

    with dg.DagsterInstance.get() as instance:
        result = (
            defs()
            .resolve_job_def("full_pipeline_job")
            .execute_in_process(instance=instance, raise_on_error=False)
        )
    # Held at raw and training blocked: the run succeeds, nothing downstream is rebuilt.
    assert result.success
    assert "raw_catalog" not in {
        e.asset_key.path[-1] for e in result.get_asset_materialization_events()
    }
    return home, result.run_id


@pytest.fixture(scope="module")
def webserver(faulty_home) -> Iterator[int]:
    """`dagster dev` over the faulty run's DAGSTER_HOME; its port."""
    with dagster_dev(os.environ) as base:
        yield int(base.rsplit(":", 1)[1])


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


def test_webserver_shows_assets_checks_and_the_failed_check(webserver, faulty_home):
    port = webserver
    _, run_id = faulty_home
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
    latest = executions[0]
    assert latest["runId"] == run_id and latest["status"] == "FAILED"
    labels = {m["label"] for m in latest["evaluation"]["metadataEntries"]}
    assert {"unexpected_count", "unexpected_percent", "unexpected_sample"} <= labels
    # What the hold blocked did not run: the UI reads its checks "Skipped", not failed.
    blocked = _graphql(
        port, CHECK_QUERY, {"key": {"path": ["training_set"]}, "name": "labels__missing"}
    )["assetCheckExecutions"]
    assert blocked[0]["runId"] == run_id and blocked[0]["status"] == "SKIPPED"


def test_webserver_lists_the_schedule_and_running_sensors(webserver):
    data = _graphql(webserver, AUTOMATION_QUERY, {"repo": REPO})
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


def test_a_job_launched_from_the_webserver_runs_its_checks_and_blocks(webserver):
    client = DagsterGraphQLClient("127.0.0.1", port_number=webserver)
    run_id = client.submit_job_execution("ingest_job", repository_location_name="dq_pipelines")
    deadline = time.monotonic() + 180
    while (status := client.get_run_status(run_id).value) not in ("SUCCESS", "FAILURE"):
        assert time.monotonic() < deadline, f"run {run_id} still {status}"
        time.sleep(1)
    assert status == "SUCCESS"  # the faulty delivery was held, not the run failed
    executions = _graphql(
        webserver,
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
