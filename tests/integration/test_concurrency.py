"""Overlapping runs in separate processes share the DuckDB file without lock errors."""

import os
import subprocess
import sys

import dagster as dg
import pytest
from pipeline_support import CLEAN_DAY, deliver

pytestmark = pytest.mark.slow

RUN = """
import dagster as dg
from dq_pipelines.definitions import defs
with dg.DagsterInstance.get() as instance:
    result = defs().resolve_job_def("ingest_job").execute_in_process(
        instance=instance, raise_on_error=False)
failures = [e.step_key for e in result.all_events if e.is_step_failure]
print("RESULT", result.success, failures, flush=True)
"""


def test_two_overlapping_ingest_runs_both_succeed(project_env):
    deliver(project_env, CLEAN_DAY)
    home = project_env / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = os.environ | {"DAGSTER_HOME": str(home)}
    # Create the instance's SQLite storage first: two processes creating it at once race in
    # Dagster's own schema setup ("table runs already exists"), which is not what this tests.
    with dg.DagsterInstance.from_config(str(home)):
        pass
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", RUN],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    for (out, err), run in zip(outputs, runs, strict=True):
        assert run.returncode == 0, err[-3000:]
        assert "RESULT True []" in out, err[-3000:]
    assert "lock" not in "".join(err for _, err in outputs).lower()
