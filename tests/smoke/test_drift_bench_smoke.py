"""The drift benchmark runs end to end at tiny sizes (correctness of the harness, not timings)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dq_pipelines.layout import PROJECT_ROOT

pytestmark = [pytest.mark.smoke, pytest.mark.slow]


def test_drift_bench_reports_speed_false_positives_and_detection(tmp_path: Path):
    proc = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "benchmarks" / "drift_bench.py"),
            "--sizes",
            "2000",
            "--repeats",
            "1",
            "--fp-sizes",
            "1000",
            "--pairs",
            "2",
            "--json",
            str(tmp_path / "out.json"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "| rows (each side) | median s | runs (s) | cpu s | numeric s |" in out
    assert "| 2,000 |" in out and "| 1,000 | 2 |" in out
    assert "Goal: at most 5% of pairs with any column flagged" in out
    assert "| text_3 |" in out  # the per-column false-positive table
    assert "## Detection: drift injected in" in out
    figures = json.loads((tmp_path / "out.json").read_text())
    assert set(figures) == {"speed", "false_positives", "detection"}
