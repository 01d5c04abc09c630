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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each half of the list starts with half of the slow tests, whole modules kept together.

    `make test` runs xdist's worksteal: worker 1 gets the first half of this list and worker 2
    the second, each runs its half in order, and one that runs out takes the last tests of the
    other's queue. So each worker starts with its share of the slow tests (the longest first)
    and the quick ones are left to share at the end: no worker idles for minutes behind a last
    long test, and a module's fixtures (the smoke webserver: ~40 s) are built by one worker.
    """
    slow: dict[str, list[pytest.Item]] = {}
    fast = [item for item in items if item.get_closest_marker("slow") is None]
    for item in items:
        if item.get_closest_marker("slow") is not None:
            slow.setdefault(item.nodeid.split("::")[0], []).append(item)
    halves: tuple[list[pytest.Item], list[pytest.Item]] = ([], [])
    for module in sorted(slow.values(), key=len, reverse=True):
        min(halves, key=len).extend(module)
    first_fast = max(0, len(items) // 2 - len(halves[0]))
    items[:] = halves[0] + fast[:first_fast] + halves[1] + fast[first_fast:]


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
