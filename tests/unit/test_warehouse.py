"""The warehouse waits for another process's DuckDB lock instead of failing at once."""

import subprocess
import sys
import time

import duckdb
import pytest

from dq_pipelines.storage.warehouse import DuckDBWarehouse

HOLD = """
import duckdb, sys, time
conn = duckdb.connect(sys.argv[1])
conn.execute("create table if not exists t as select 1 as x")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _hold_lock(path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_connect_waits_for_another_process_to_release_the_file(tmp_path):
    path = tmp_path / "w.duckdb"
    holder = _hold_lock(path, 1.5)
    started = time.monotonic()
    with DuckDBWarehouse(path=str(path), lock_timeout_seconds=30).connect() as conn:
        assert conn.execute("select x from t").fetchone() == (1,)
    assert time.monotonic() - started >= 0.5
    holder.wait(timeout=10)


def test_connect_gives_up_after_its_timeout_with_duckdbs_error(tmp_path):
    path = tmp_path / "w.duckdb"
    holder = _hold_lock(path, 10)
    try:
        with (
            pytest.raises(duckdb.IOException, match="lock"),
            DuckDBWarehouse(path=str(path), lock_timeout_seconds=0.5).connect(),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()
