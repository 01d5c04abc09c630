"""The tests' shared starting states (pipeline_states.py): a copy is what the run left."""

import os
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from pipeline_states import PipelineStates, Started
from pipeline_support import CLEAN_DAY, deliver, run_job, with_current_resources

pytestmark = pytest.mark.slow


def _tables(path: Path, folder: Path) -> dict[str, list[tuple]]:
    """Every table's rows, paths shown relative to the project folder."""
    with duckdb.connect(str(path), read_only=True) as conn:
        names = [n for (n,) in conn.execute("select table_name from duckdb_tables()").fetchall()]
        rows = {
            n: sorted(map(repr, conn.execute(f'select * from "{n}"').fetchall())) for n in names
        }
    return {n: [r.replace(f"{folder}/", "<project>/") for r in rs] for n, rs in rows.items()}


def _history(instance: dg.DagsterInstance, defs: dg.Definitions, folder: Path) -> dict:
    graph = defs.resolve_asset_graph()
    checks = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        list(graph.asset_check_keys)
    )
    latest = {
        key.to_user_string(): instance.get_latest_materialization_event(key)
        for key in graph.get_all_asset_keys()
    }
    return {
        "runs": sorted((r.run_id, r.status, r.job_name) for r in instance.get_runs()),
        "checks": {k.to_user_string(): (r.status, r.run_id) for k, r in checks.items()},
        "materialized": {
            name: (
                event.run_id,
                repr(sorted(event.asset_materialization.metadata.items())).replace(
                    f"{folder}/", "<project>/"
                ),
            )
            for name, event in latest.items()
            if event is not None
        },
    }


def test_a_restored_state_is_the_state_its_run_left_and_later_runs_build_on_it(
    defs, instance, project_env, tmp_path_factory, monkeypatch
):
    def clean_run() -> Started:
        deliver(project_env, CLEAN_DAY)
        result = run_job(defs, instance)
        return Started(result.run_id, result.success)

    root = tmp_path_factory.mktemp("states")
    first = PipelineStates(root).start("clean", project_env, instance, clean_run)
    assert first.success

    copy = tmp_path_factory.mktemp("copy")
    for name in ("DQ_DUCKDB_PATH", "DQ_LANDING_DIR", "DQ_ARTIFACTS_DIR", "DQ_REPORTS_DIR",
                 "DQ_ARCHIVE_DIR"):  # fmt: skip
        monkeypatch.setenv(name, os.environ[name].replace(str(project_env), str(copy)))
    copied_defs = with_current_resources(defs)
    with dg.DagsterInstance.ephemeral() as copied_instance:
        other_worker = PipelineStates(root)  # another process of the session, as under xdist
        assert (
            other_worker.start("clean", copy, copied_instance, lambda: pytest.fail("ran again"))
            == first
        )

        warehouse = _tables(project_env / "warehouse.duckdb", project_env)
        assert _tables(copy / "warehouse.duckdb", copy) == warehouse
        assert str(project_env) not in repr(_tables(copy / "warehouse.duckdb", Path("/-")))
        assert _history(copied_instance, copied_defs, copy) == _history(instance, defs, project_env)
        with duckdb.connect(str(copy / "warehouse.duckdb"), read_only=True) as conn:
            archived = [Path(p) for (p,) in conn.execute(
                "select archive_path from dq_manifest").fetchall()]  # fmt: skip
        assert archived and all(p.is_relative_to(copy) and p.exists() for p in archived)

        # The training gate reads the copied check history; the new versions are compared with
        # the champions the copied registry points at, and saved beside them.
        retrained = run_job(copied_defs, copied_instance, "train_job")
        assert retrained.success, retrained.all_events
        with duckdb.connect(str(copy / "warehouse.duckdb"), read_only=True) as conn:
            artifacts = [Path(p) for (p,) in conn.execute(
                "select artifact_path from dq_model_registry").fetchall()]  # fmt: skip
        assert len(artifacts) > len(warehouse["dq_model_registry"])
        assert all(p.is_relative_to(copy) and p.exists() for p in artifacts)


def test_a_state_whose_making_raised_is_made_by_the_next_test_that_asks(tmp_path):
    states = PipelineStates(tmp_path / "states")

    def raises() -> Started:
        raise RuntimeError("the first run raised")

    with dg.DagsterInstance.ephemeral() as instance, pytest.raises(RuntimeError):
        states.start("key", tmp_path, instance, raises)
    with dg.DagsterInstance.ephemeral() as instance:
        made = states.start("key", tmp_path, instance, lambda: Started("run", True))
    assert made == Started("run", True)
