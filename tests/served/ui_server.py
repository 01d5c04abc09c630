"""`dagster dev -w workspace.yaml` on a free local port, for the served tests that use the UI."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from dq_pipelines.layout import PROJECT_ROOT

# The command that serves the UI, in one place (`-h HOST -p PORT` are appended).
UI_COMMAND = [str(Path(sys.executable).parent / "dagster"), "dev", "-w", "workspace.yaml"]
START_SECONDS = 120
# dagster dev often takes over 30 s to stop on a busy machine (it waits for its daemon and
# code server): the tests need no graceful stop, so it is killed after a short wait.
STOP_SECONDS = 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dagster_dev(env: Mapping[str, str]) -> Iterator[str]:
    """The webserver and daemon over `env`'s DAGSTER_HOME and DQ_* paths; yields the base URL
    once /server_info answers. Fails the test if it exits or does not answer in time."""
    port = _free_port()
    proc = subprocess.Popen(
        [*UI_COMMAND, "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT,
        env=dict(env),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"{' '.join(UI_COMMAND)} exited with {proc.returncode}"
            try:
                if requests.get(f"{base}/server_info", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.5)
        else:
            pytest.fail(f"the UI did not answer within {START_SECONDS} s")
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_SECONDS)
