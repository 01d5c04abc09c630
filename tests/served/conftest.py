"""One demo and one UI for every test here, as a person gets them: `dq-pipelines demo` run
twice (the second time after a later delivery landed elsewhere), then `dagster dev` over the
environment the demo printed for `make ui`.

Building this costs two demos (six pipeline runs) and a webserver, daemon and code server; the
tests here share it instead of each making its own. `make test` runs them (marker `served`) in
one pytest process beside the xdist workers, so the state is built once.
"""

import os
from collections.abc import Iterator

import dagster as dg
import pytest
from click.testing import CliRunner
from demo_state import DemoRuns
from project_paths import point_project_at
from ui_server import dagster_dev

from dq_pipelines.cli import main
from dq_pipelines.cli.demo import FAULTY_DAY

PRODUCTS = "300"
LATER_DAY = "2026-11-30"  # after the demo's three deliveries, in the project's own landing
FAULTY_LABEL = f"faulty delivery {FAULTY_DAY}"  # the demo's tag (dq/demo) on that run


@pytest.fixture(scope="session")
def demo_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRuns]:
    """`dq-pipelines demo` twice in one folder, with a delivery of a later date landed in the
    project's landing between them; every DQ_* path of the project points into a temporary
    folder, and Slack is not configured."""
    project = tmp_path_factory.mktemp("project")
    folder = project / "demo"
    with pytest.MonkeyPatch.context() as monkeypatch:
        point_project_at(project, monkeypatch)
        monkeypatch.setenv("DAGSTER_HOME", str(project / "dagster_home"))
        demo = ["demo", "--products", PRODUCTS, "--dir", str(folder)]
        first = CliRunner().invoke(main, demo)
        assert first.exit_code == 0, first.output
        later = CliRunner().invoke(main, ["generate", "--date", LATER_DAY, "--products", "50"])
        assert later.exit_code == 0, later.output
        second = CliRunner().invoke(main, demo)
        assert second.exit_code == 0, second.output
        yield DemoRuns(first, second, folder, project)


@pytest.fixture(scope="session")
def faulty_run_id(demo_runs: DemoRuns) -> str:
    """The id of the second demo's run of its faulty delivery, from the demo's instance."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("DAGSTER_HOME", demo_runs.ui_env["DAGSTER_HOME"])
        with dg.DagsterInstance.get() as instance:
            runs = instance.get_runs(dg.RunsFilter(tags={"dq/demo": FAULTY_LABEL}))
    assert len(runs) == 1, [r.tags for r in runs]
    return runs[0].run_id


@pytest.fixture(scope="session")
def ui(demo_runs: DemoRuns) -> Iterator[str]:
    """`dagster dev` over the second demo's instance and warehouse; its base URL."""
    with dagster_dev(os.environ | demo_runs.ui_env) as base:
        yield base
