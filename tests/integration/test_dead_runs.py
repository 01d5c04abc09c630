"""The kill test (issue 8 findings 1 and 11): a run SIGKILLed inside a publishing step, while it
holds the `duckdb` pool slot, is reaped; the next run completes, the missed alerts and one
dead-run alert arrive, nothing is left in dq_audit and no delivered row is lost."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from pipeline_support import FAULTY_DAY, assert_nothing_lost, deliver, run_job

from dq_pipelines import dagster_private
from dq_pipelines.alerts.channels.slack import SlackNotifier
from dq_pipelines.cli import INSTANCE_CONFIG
from dq_pipelines.cli.sample_data import Faults
from dq_pipelines.defs.alerts.dead_runs import reap_dead_runs
from dq_pipelines.defs.alerts.sensors import alert_on_failed_checks
from dq_pipelines.wap.stage import AUDIT_SCHEMA

pytestmark = pytest.mark.slow
RUN_TIMEOUT = 600  # the killed run reaches its kill point within this, or the test fails

# Runs ingest_job in its own process. The first publication stops at the kill point, writes
# the marker and waits to be killed: inside the publish transaction (before its
# commit), or right after the commit (before the staged tables are dropped).
RUN = """
import os, sys, time
from pathlib import Path
import dagster as dg
from dq_pipelines.wap import publish

marker, point = Path(sys.argv[1]), sys.argv[2]
original = publish.apply_publication

def hold():
    marker.write_text(str(os.getpid()))
    time.sleep(3600)

def inside_commit(conn, staged, plan, max_share, run_id, on_publish=None):
    def then_hold(c, p):
        if on_publish is not None:
            on_publish(c, p)
        hold()
    return original(conn, staged, plan, max_share, run_id, then_hold)

def after_commit(*args, **kwargs):
    publication = original(*args, **kwargs)
    hold()
    return publication

publish.apply_publication = {"before_commit": inside_commit, "after_commit": after_commit}[point]
from dq_pipelines.definitions import defs
with dg.DagsterInstance.get() as instance:
    result = defs().resolve_job_def("ingest_job").execute_in_process(
        instance=instance, raise_on_error=False)
print("RESULT", result.success, result.run_id, flush=True)
"""


def _start(env: dict, marker: Path, point: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", RUN, str(marker), point],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, killed whole
    )


def _wait_for(marker: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT
    while not marker.exists():
        if process.poll() is not None:
            pytest.fail(f"the run ended before its kill point: {process.stderr.read()[-3000:]}")
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail("the run never reached its kill point")
        time.sleep(0.1)


def _audit_tables(warehouse) -> list[str]:
    return warehouse.query(
        "select table_name from information_schema.tables where table_schema = ?",
        [AUDIT_SCHEMA],
    )["table_name"].tolist()


def _tick(sensor, instance, resources, cursor):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
    reason = sensor(context)
    return context.cursor, reason


@pytest.mark.parametrize("point", ["before_commit", "after_commit"])
def test_killed_publishing_run_is_reaped_and_nothing_is_stuck_lost_or_left(
    point, project_env, defs, resources, warehouse, slack_stub, tmp_path
):
    # A few bad rows: quarantined (checks fail at WARN), the rest published.
    deliver(project_env, FAULTY_DAY, Faults(unknown_categories=0.004, null_titles=0.003))
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_CONFIG.read_text())
    env = os.environ | {"DAGSTER_HOME": str(home)}
    with dg.DagsterInstance.from_config(str(home)):
        pass  # create the instance's storage before two processes use it
    marker = tmp_path / "marker"
    killed = _start(env, marker, point)
    _wait_for(marker, killed)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    resources = resources | {
        "slack": SlackNotifier(webhook_url=slack_stub.webhook_url, retry_backoff_seconds=0.01)
    }

    with dg.DagsterInstance.from_config(str(home)) as instance:
        (dead,) = instance.get_runs()
        assert dead.status == dg.DagsterRunStatus.STARTED  # what Dagster leaves without help
        assert dead.run_id in dagster_private.runs_holding_slots(instance)
        assert _audit_tables(warehouse)  # the killed run's staged tables

        reap_cursor, reason = _tick(reap_dead_runs, instance, resources, None)
        assert "1 dead run(s) marked failed" in reason.skip_message
        assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
        assert dagster_private.runs_holding_slots(instance) == set()
        assert _audit_tables(warehouse) == []
        (dead_alert,) = slack_stub.messages()
        assert "ingest_job / run_died" in dead_alert["text"]
        assert "not_published: " in dead_alert["text"]
        assert "stg_labels" in dead_alert["text"].split("not_published: ")[1].split("\n")[0]
        assert f"/runs/{dead.run_id}" in dead_alert["text"]

    with dg.DagsterInstance.from_config(str(home)) as instance:
        # The next run, in this process (its pid is alive, as a real worker's would be): it
        # cannot wait on the dead run's slot, which was freed above. Starting a second
        # interpreter for it cost ~10 s of imports (Dagster, GX) per test.
        next_run_id = run_job(defs, instance, "ingest_job").run_id
        assert instance.get_run_by_id(next_run_id).is_finished
        assert dagster_private.runs_holding_slots(instance) == set()
        failed = {
            f"{e.asset_key.to_user_string()} / {e.check_name}"
            for r in instance.get_records_for_run(
                next_run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
            ).records
            if not (e := r.event_log_entry.dagster_event.asset_check_evaluation_data).passed
        }
        assert failed  # the faulty delivery fails checks in the next run
        _tick(alert_on_failed_checks, instance, resources, None)
        texts = [m["text"] for m in slack_stub.messages()]
        for check in failed:
            assert any(check in t and f"/runs/{next_run_id}" in t for t in texts), check
        # Evaluated again, the dead-run sensor posts nothing twice.
        _tick(reap_dead_runs, instance, resources, reap_cursor)
        _tick(reap_dead_runs, instance, resources, None)
        assert [m["text"] for m in slack_stub.messages()] == texts
        assert sum("run_died" in t for t in texts) == 1

    assert _audit_tables(warehouse) == []
    for source in ("catalog", "labels", "feedback"):
        assert_nothing_lost(warehouse, source, FAULTY_DAY)
