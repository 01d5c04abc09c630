"""The warehouse waits for another process's DuckDB lock instead of failing at once, and a
step holds its database open once instead of per connection."""

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


def _other_config_refused(path) -> bool:
    """Is the file's database open in this process? (DuckDB then refuses a connection
    configured differently from the open one.)"""
    try:
        duckdb.connect(str(path), config={"threads": 1}).close()
    except duckdb.ConnectionException as e:
        assert "different configuration" in str(e), e
        return True
    return False


def test_held_open_shares_one_database_and_frees_the_file_after(tmp_path):
    path = tmp_path / "w.duckdb"
    warehouse = DuckDBWarehouse(path=str(path))
    with warehouse.held_open():
        assert _other_config_refused(path)
        with warehouse.connect() as writer:
            writer.execute("create table t as select 7 as x")
        with warehouse.held_open(), warehouse.connect() as reader:  # nested: the same hold
            assert reader.execute("select x from t").fetchall() == [(7,)]
            assert reader.execute("select count(*) from dq_manifest").fetchone() == (0,)
    assert not _other_config_refused(path)
    # Another process gets the file at once: nothing of the hold is left open.
    holder = _hold_lock(path, 0)
    holder.wait(timeout=10)


def test_held_open_caps_memory_only_while_validating(tmp_path):
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"), validation_memory_limit="300MB")

    def memory_limit() -> str:
        with warehouse.connect() as conn:
            return conn.execute("select current_setting('memory_limit')").fetchone()[0]

    with warehouse.held_open():
        before = memory_limit()
        with warehouse.validation_memory():
            assert memory_limit() == "286.1 MiB"  # 300 MB, as DuckDB prints it
        assert memory_limit() == before != "286.1 MiB"
    with pytest.raises(RuntimeError, match="held open"), warehouse.validation_memory():
        pass


def test_held_open_waits_for_another_process_to_release_the_file(tmp_path):
    path = tmp_path / "w.duckdb"
    holder = _hold_lock(path, 1.5)
    warehouse = DuckDBWarehouse(path=str(path), lock_timeout_seconds=30)
    with warehouse.held_open(), warehouse.connect() as conn:
        assert conn.execute("select x from t").fetchone() == (1,)
    holder.wait(timeout=10)
