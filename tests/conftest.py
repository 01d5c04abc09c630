"""Shared test settings and fixtures: everything runs offline and quietly, and in parallel.

`make test` runs the suite in pytest-xdist workers, so nothing a test writes may be shared
between them: files go under tmp_path, servers bind port 0 on 127.0.0.1, and each worker gets its
own DAGSTER_HOME (below) rather than the Makefile's project-wide one.
"""

import os
from collections.abc import Iterator

import pytest
from slack_stub import SlackStub

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
# One BLAS / OpenMP thread per process: `make test` already keeps every core busy with a process
# of its own (the xdist workers, the served tests beside them), and OpenBLAS's idle threads
# spin-wait for work. With its default of a thread per core, a full pipeline run took 10.8 s of
# CPU instead of 9.9 s (means of 8 runs each, two runs of each setting at once on 2 cores). Set
# before numpy is first imported, which reads it; the processes the tests start (runs,
# benchmarks, `dagster dev`) inherit it.
for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first, each group in collection order. xdist's worksteal splits the list
    between the workers and lets an idle one take the other's queued tests from the end; with
    the long tests first, what is left to share at the end is short, so no worker idles for
    minutes behind a last long test (the longest-first rule of scheduling)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session", autouse=True)
def worker_dagster_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """An empty DAGSTER_HOME per worker process; tests needing their own still set one."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("DAGSTER_HOME", str(tmp_path_factory.mktemp("dagster_home")))
        yield


@pytest.fixture
def slack_stub() -> Iterator[SlackStub]:
    """A local Slack stand-in on 127.0.0.1; point SlackNotifier at its URLs."""
    with SlackStub() as stub:
        yield stub


def _forget_project() -> None:
    from dq_pipelines.declared.project import load_project

    load_project.cache_clear()


@pytest.fixture(scope="module", autouse=True)
def fresh_project_per_module() -> Iterator[None]:
    """The project's files are cached per process (declared/project.py `load_project`); a test
    that patches where they live (a fixed contract, a tmp project) must not leak its project into
    the next module's fixtures, whichever xdist worker runs them."""
    _forget_project()
    yield
    _forget_project()


@pytest.fixture(autouse=True)
def fresh_project_per_test() -> Iterator[None]:
    """Likewise between tests of one module."""
    _forget_project()
    yield
    _forget_project()
