"""`dq-pipelines` has no daemon behind it: before it launches a run it reaps a dead one that
holds the duckdb pool slot, which would otherwise block its run forever (issue 8 finding 1)."""

import faulthandler
import os
import subprocess
import sys
from datetime import date

import dagster as dg
import pytest
from click.testing import CliRunner
from dagster._core.events import EngineEventData
from dagster._core.test_utils import create_run_for_test

from dq_pipelines import dagster_private
from dq_pipelines.cli import INSTANCE_CONFIG, main
from dq_pipelines.cli.sample_data import generate_delivery

pytestmark = pytest.mark.slow
# A launch that needs the pool slot (a replay with nothing archived is refused before launching).
INGEST = ["ingest", "catalog", "--date", "2026-11-28"]
RUN_TIMEOUT = int(os.environ.get("DQ_TEST_RUN_TIMEOUT", "300"))


def test_a_launch_reaps_a_dead_run_holding_the_pool_slot_first(project_env, monkeypatch):
    generate_delivery(project_env / "landing", date(2026, 11, 28), n_products=100)
    home = project_env / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_CONFIG.read_text())
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        dead = create_run_for_test(instance, "ingest_job", status=dg.DagsterRunStatus.STARTED)
        instance.report_engine_event("worker", dead, EngineEventData.in_process(gone.pid))
        storage = instance.event_log_storage
        storage.initialize_concurrency_limit_to_default("duckdb")
        assert storage.claim_concurrency_slot("duckdb", dead.run_id, "raw_catalog").is_claimed

    # In this process (a subprocess spent ~10 s importing Dagster and GX first). Blocked by the
    # dead run's slot the launch would wait forever: past RUN_TIMEOUT the worker dumps its
    # stacks and exits, which fails this test instead of hanging the suite.
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    faulthandler.dump_traceback_later(RUN_TIMEOUT, exit=True)
    try:
        cli = CliRunner().invoke(main, INGEST)
    finally:
        faulthandler.cancel_dump_traceback_later()

    assert "before launching: 1 dead run(s) marked failed" in cli.stderr, (
        f"{cli.stderr[-3000:]}{cli.exception!r}"
    )
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
        ingest = next(r for r in instance.get_runs() if r.run_id != dead.run_id)
        assert ingest.status == dg.DagsterRunStatus.SUCCESS  # it got the slot
        assert dagster_private.runs_holding_slots(instance) == set()
