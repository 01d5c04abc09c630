"""Pipeline fixtures: every test gets its own landing folder, warehouse and Dagster instance."""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest


@pytest.fixture
def project_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every DQ_* path at tmp_path; Slack stays unconfigured unless a test sets it."""
    monkeypatch.setenv("DQ_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("DQ_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("DQ_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    monkeypatch.setenv("DQ_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("DQ_ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.setenv("DQ_DAGSTER_URL", "http://dagster.test")
    for name in ("DQ_SLACK_WEBHOOK_URL", "DQ_SLACK_BOT_TOKEN", "DQ_SLACK_CHANNEL"):
        monkeypatch.delenv(name, raising=False)
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
    from dq_pipelines.defs.resources import build_resources

    key = _project_files()
    if key not in built_definitions:
        built_definitions[key] = load_defs()
    built = built_definitions[key]
    return dg.Definitions(
        assets=built.assets,
        asset_checks=built.asset_checks,
        schedules=built.schedules,
        sensors=built.sensors,
        jobs=built.jobs,
        resources=build_resources(),
        executor=built.executor,
        loggers=built.loggers,
        metadata=built.metadata,
    )


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
