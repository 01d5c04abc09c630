"""The benchmark scripts run end to end at tiny sizes (correctness of the harness, not timings)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dq_pipelines.layout import PROJECT_ROOT

pytestmark = [pytest.mark.smoke, pytest.mark.slow]

BENCHMARKS = PROJECT_ROOT / "benchmarks"


def _run(script: str, *args: str, tmp_path: Path) -> str:
    env = os.environ | {"GX_ANALYTICS_ENABLED": "false", "DAGSTER_DISABLE_TELEMETRY": "1"}
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_validation_bench_reports_all_methods_and_ratios(tmp_path: Path):
    out = _run(
        "validation_bench.py",
        "--rows",
        "20000",
        "--repeats",
        "1",
        "--workdir",
        str(tmp_path / "work"),
        "--json",
        str(tmp_path / "out.json"),
        tmp_path=tmp_path,
    )
    assert "| method | wall s | rows/s | peak RSS MiB |" in out
    for label in (
        "GX on pandas (fetch + validate)",
        "GX in DuckDB (validate_table, engine auto)",
        "hand-written DuckDB scan (floor)",
        "GX in DuckDB + 1 regex (pandas fallback)",
        "pandas / in-duckdb speedup",
        "in-duckdb / floor slowdown",
        "in-duckdb / pandas peak RSS",
    ):
        assert label in out
    assert "all 20 expectations agree" in out, out
    assert (tmp_path / "out.json").exists()


def test_pipeline_bench_times_every_stage(tmp_path: Path):
    out = _run(
        "pipeline_bench.py", "--products", "500", "--workdir", str(tmp_path / "work"),
        tmp_path=tmp_path,
    )  # fmt: skip
    assert "| stage | steps | seconds | share of total |" in out
    assert "| step | stage | status | seconds | of which audit |" in out
    for stage in ("generate", "ingest", "validate", "transform", "train", "evaluate"):
        assert f"| {stage} |" in out, stage
    assert "Run SUCCEEDED" in out, out
    assert "slowest step:" in out
