"""The label-audit benchmark runs end to end at tiny sizes (the harness, not the figures)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dq_pipelines.layout import PROJECT_ROOT

pytestmark = [pytest.mark.smoke, pytest.mark.slow]


def test_label_audit_bench_reports_precision_recall_and_time(tmp_path: Path):
    proc = subprocess.run(
        [
            sys.executable, str(PROJECT_ROOT / "benchmarks" / "label_audit_bench.py"),
            "--products", "600", "--dataset", "products", "--dataset", "wine",
            "--rate", "0.1", "--sizes", "500", "--folds", "3",
            "--json", str(tmp_path / "out.json"),
        ],
        capture_output=True, text=True, cwd=tmp_path, timeout=180, check=False,
        env=os.environ | {"GX_ANALYTICS_ENABLED": "false", "DAGSTER_DISABLE_TELEMETRY": "1"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "| data set | items | flips | rate | flipped | flagged | precision | recall |" in out
    for row in ("| products | 600 | uniform | 10% | 60 |", "| wine | 178 | class-conditional |"):
        assert row in out, out
    assert "Goal: precision and recall >= 0.8 at 10% uniform flips:" in out
    assert "| items | CV probabilities s | confident learning s | total s |" in out
    assert "| 500 |" in out
    assert (tmp_path / "out.json").exists()
