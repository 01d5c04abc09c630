"""Overlapping runs in separate processes share the DuckDB file without lock errors, and
their stage -> audit -> publish steps take turns (the `duckdb` concurrency pool)."""

import os
import subprocess
import sys
from itertools import combinations

import dagster as dg
import pytest
from pipeline_support import CLEAN_DAY, deliver, run_job

from dq_pipelines.cli import INSTANCE_CONFIG
from dq_pipelines.declared.project import load_project

pytestmark = pytest.mark.slow
# The steps in the duckdb pool: every raw and SQL-model asset stages, audits and publishes.
PUBLISHING_STEPS = {c.raw_table for c in load_project().contracts.values()} | set(
    load_project().models
)

# The other run, in its own process: it says READY once its imports are done, so the two runs
# start together (a second subprocess would spend ~10 s importing Dagster and GX as well).
RUN = """
import dagster as dg
from dq_pipelines.definitions import defs
print("READY", flush=True)
with dg.DagsterInstance.get() as instance:
    result = defs().resolve_job_def("ingest_job").execute_in_process(
        instance=instance, raise_on_error=False)
failures = [e.step_key for e in result.all_events if e.is_step_failure]
print("RESULT", result.success, failures, flush=True)
"""


def test_two_overlapping_ingest_runs_both_succeed_and_publish_in_turn(project_env, defs, capfd):
    deliver(project_env, CLEAN_DAY)
    home = project_env / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_CONFIG.read_text())
    env = os.environ | {"DAGSTER_HOME": str(home)}
    # Create the instance's SQLite storage first: two processes creating it at once race in
    # Dagster's own schema setup ("table runs already exists"), which is not what this tests.
    with dg.DagsterInstance.from_config(str(home)):
        pass
    other = subprocess.Popen(
        [sys.executable, "-c", RUN], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert other.stdout.readline() == "READY\n", other.communicate(timeout=600)[1][-3000:]
    with dg.DagsterInstance.from_config(str(home)) as instance:  # this process's run
        here = run_job(defs, instance, "ingest_job")
    out, err = other.communicate(timeout=600)
    assert other.returncode == 0, err[-3000:]
    assert "RESULT True []" in out, err[-3000:]
    assert here.success, [e.step_key for e in here.all_events if e.is_step_failure]
    assert "could not set lock" not in (err + capfd.readouterr().err).lower()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        windows = _pooled_step_windows(instance)
    assert len(windows) == 2 * len(PUBLISHING_STEPS)
    for (start, end, run), (other_start, other_end, other) in combinations(windows, 2):
        overlap = start < other_end and other_start < end
        assert run == other or not overlap, "two runs' publishing steps overlapped"
    assert {run for *_, run in windows} == {r.run_id for r in instance.get_runs()}


def _pooled_step_windows(instance) -> list[tuple[float, float, str]]:
    """(start, end, run id) of every step in the duckdb pool, from the runs' event logs."""
    windows = []
    for run in instance.get_runs():
        starts: dict[str, float] = {}
        for record in instance.all_logs(run.run_id):
            event = record.dagster_event
            if event is None or not event.step_key:
                continue
            if event.event_type == dg.DagsterEventType.STEP_START:
                starts[event.step_key] = record.timestamp
            elif event.event_type == dg.DagsterEventType.STEP_SUCCESS and (
                event.step_key in PUBLISHING_STEPS
            ):
                windows.append((starts[event.step_key], record.timestamp, run.run_id))
    return windows
