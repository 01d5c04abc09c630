"""Pipeline fixtures: every test gets its own landing folder, warehouse and Dagster instance."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import pytest
from pipeline_states import PipelineStates, Start, Started
from pipeline_support import deliver, run_job, with_current_resources
from project_paths import point_project_at


@pytest.fixture
def project_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every DQ_* path at tmp_path; Slack stays unconfigured unless a test sets it."""
    point_project_at(tmp_path, monkeypatch)
    monkeypatch.setenv("DQ_DAGSTER_URL", "http://dagster.test")
    return tmp_path


def _project_files() -> tuple[tuple[str, int, int], ...]:
    """What the definitions are built from: every project file's path, size and mtime."""
    from dq_pipelines import layout

    roots = (layout.CONTRACTS_DIR, layout.SUITES_DIR, layout.ML_CHECKS_DIR, layout.SQL_DIR)
    files = [f for root in roots for f in sorted(Path(root).rglob("*")) if f.is_file()]
    files += [Path(layout.GOLDEN_CASES), Path(layout.PROMOTION_RULES)]
    return tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files if f.exists())


@pytest.fixture(scope="session")
def built_definitions() -> dict[tuple, dg.Definitions]:
    """Definitions built per set of project files, for the whole session: building them parses
    every file and creates ~100 assets and checks (2-3 s), and only the resources, which read
    the DQ_* settings, differ between tests."""
    return {}


@pytest.fixture
def defs(project_env: Path, built_definitions: dict[tuple, dg.Definitions]) -> dg.Definitions:
    """The code location's definitions, with resources bound to this test's DQ_* settings."""
    from dq_pipelines.definitions import defs as load_defs

    key = _project_files()
    if key not in built_definitions:
        built_definitions[key] = load_defs()
    return with_current_resources(built_definitions[key])


@pytest.fixture
def resources(project_env: Path) -> dict:
    from dq_pipelines.defs.resources import build_resources

    return build_resources()


@pytest.fixture
def warehouse(resources):
    with dg.build_resources({"duckdb": resources["duckdb"]}) as built:
        return built.duckdb


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    """An in-memory Dagster instance: runs, events and check history without SQLite files.

    Pipeline tests run the job in-process several times each; Dagster's SQLite storage opens a
    connection per event (about 30% of a run's CPU). Tests needing what only a persistent
    instance has (another process reading it, the dead-run reaper's storage rule, concurrency
    pools) build their own with `dg.instance_for_test`.
    """
    with dg.DagsterInstance.ephemeral() as inst:
        yield inst


@pytest.fixture(scope="session")
def pipeline_states(tmp_path_factory: pytest.TempPathFactory) -> PipelineStates:
    """Saved in a folder of this session that all its xdist workers share: the parent of a
    worker's own base folder (pytest-N/popen-gwK), or the base folder without xdist."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return PipelineStates(shared / "pipeline_states")


@pytest.fixture
def start_from(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    project_env: Path,
    pipeline_states: PipelineStates,
) -> Callable[[Start], Started]:
    """`start_from(CLEAN_RUN)` lands a Start's deliveries and runs its job, as the test would;
    the first test of a process to ask does exactly that, later ones get a copy of its result
    (pipeline_states.py). Call it first, on the test's fresh project and instance."""

    def start(state: Start) -> Started:
        def make() -> Started:
            for day, faults in state.deliveries:
                deliver(project_env, day, faults)
            result = run_job(defs, instance, state.job)
            return Started(result.run_id, result.success)

        settings = tuple(
            sorted(
                (name, value.replace(str(project_env), "<project>"))
                for name, value in os.environ.items()
                if name.startswith("DQ_")
            )
        )
        key = (state, _project_files(), settings)
        return pipeline_states.start(key, project_env, instance, make)

    return start
