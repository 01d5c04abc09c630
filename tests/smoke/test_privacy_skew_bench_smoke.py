"""The privacy and serving-skew benchmark runs end to end at a tiny size (the harness, not
timings): every step timed, detection scored, the four injected skew faults found."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dq_pipelines.layout import PROJECT_ROOT

pytestmark = [pytest.mark.smoke, pytest.mark.slow]


def test_privacy_skew_bench_times_every_step_and_scores_detection(tmp_path: Path):
    env = os.environ | {"GX_ANALYTICS_ENABLED": "false", "DAGSTER_DISABLE_TELEMETRY": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "benchmarks" / "privacy_skew_bench.py"),
            "--rows",
            "2000",
            "--json",
            str(tmp_path / "out.json"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "| step | seconds | rows/s |" in out
    for step in ("find_identifiers", "apply_transforms", "k_anonymity (k=5)", "serving_skew"):
        assert f"| {step}" in out, step
    assert "| kind | injected | flagged | precision | recall |" in out
    assert "(all four found, no other)" in out, out
    assert "skew, same distribution: no skew" in out, out
    (result,) = json.loads((tmp_path / "out.json").read_text())
    assert {q["kind"] for q in result["quality"]} == {"email", "phone", "card"}
    assert all(q["recall"] == 1.0 for q in result["quality"]), result["quality"]
