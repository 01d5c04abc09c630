"""The dq_scorecard asset writes the page with its path (and URL) in metadata, and is refreshed
by run-status sensors after every ingest run, succeeded or failed."""

import dagster as dg
import duckdb
import pytest
from scorecard_rows import add_history, add_records

from dq_pipelines.defs.report.assets import dq_scorecard
from dq_pipelines.defs.report.sensors import (
    refresh_scorecard_after_failed_ingest,
    refresh_scorecard_after_ingest,
)
from dq_pipelines.storage.ops_tables import ensure_ops_tables

SCORECARD_URL = "https://reports.example.test/scorecard.html"


@pytest.fixture
def filled(project_env, monkeypatch):
    monkeypatch.setenv("DQ_REPORTS_DIR", str(project_env / "reports"))
    with duckdb.connect(str(project_env / "warehouse.duckdb")) as c:
        ensure_ops_tables(c)
        add_history(c)
        add_records(c)
    return project_env


def _materialize(resources: dict) -> dg.AssetMaterialization:
    result = dg.materialize([dq_scorecard], resources=resources)
    (materialization,) = result.asset_materializations_for_node("dq_scorecard")
    return materialization


def test_the_asset_writes_the_page_and_puts_its_path_and_url_in_metadata(filled, monkeypatch):
    from dq_pipelines.defs.resources import build_resources

    monkeypatch.setenv("DQ_SCORECARD_URL", SCORECARD_URL)
    metadata = _materialize(build_resources()).metadata
    page = filled / "reports" / "scorecard.html"
    assert metadata["path"] == dg.MetadataValue.path(str(page))
    assert metadata["url"] == dg.MetadataValue.url(SCORECARD_URL)
    html = page.read_text()
    assert html.count("<svg") == 10 and 'href="http://dagster.test/runs/run-03-' in html
    monkeypatch.delenv("DQ_SCORECARD_URL")
    assert "url" not in _materialize(build_resources()).metadata


def test_a_window_of_no_runs_fails_the_asset(filled):
    from dq_pipelines.defs.resources import build_resources

    with pytest.raises(dg.Failure, match="at least 1"):
        dg.materialize(
            [dq_scorecard],
            resources=build_resources(),
            run_config={"ops": {"dq_scorecard": {"config": {"runs": 0}}}},
        )


@dg.op
def _fine() -> None:
    pass


@dg.op
def _broken() -> None:
    raise RuntimeError("a blocking check failed")


@pytest.mark.parametrize(
    ("sensor", "op", "event"),
    [
        (refresh_scorecard_after_ingest, _fine, "get_run_success_event"),
        (refresh_scorecard_after_failed_ingest, _broken, "get_run_failure_event"),
    ],
)
def test_each_finished_ingest_run_requests_one_scorecard_run(sensor, op, event):
    job = dg.GraphDefinition(name="ingest_job", node_defs=[op]).to_job()
    with dg.instance_for_test() as instance:
        run = job.execute_in_process(instance=instance, raise_on_error=False)
        context = dg.build_run_status_sensor_context(
            sensor_name=sensor.name,
            dagster_instance=instance,
            dagster_run=run.dagster_run,
            dagster_event=getattr(run, event)(),
        )
        request = sensor(context)
    assert request.run_key == f"scorecard-after-{run.run_id}"
    assert request.tags["dq/after_run"] == run.run_id
    assert sensor.job_name == "scorecard_job"


@pytest.mark.parametrize(
    ("sensor", "op"),
    [(refresh_scorecard_after_ingest, _fine), (refresh_scorecard_after_failed_ingest, _broken)],
)
def test_ticks_request_one_scorecard_after_each_ingest_run_and_after_no_other_run(sensor, op):
    with dg.instance_for_test() as instance:
        first = sensor.evaluate_tick(dg.build_sensor_context(instance=instance))
        runs = {
            name: dg.GraphDefinition(name=name, node_defs=[op])
            .to_job()
            .execute_in_process(instance=instance, raise_on_error=False)
            .run_id
            for name in ("ingest_job", "train_job", "full_pipeline_job", "scorecard_job")
        }
        requested, cursor = [], first.cursor
        for _ in range(len(runs) + 1):  # a tick acts on one finished run at most
            tick = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))
            requested += [r.tags["dq/after_run"] for r in tick.run_requests]
            cursor = tick.cursor
    assert sorted(requested) == sorted([runs["ingest_job"], runs["full_pipeline_job"]])


def test_the_scorecard_is_refreshed_outside_the_data_graph(defs):
    for sensor in (refresh_scorecard_after_ingest, refresh_scorecard_after_failed_ingest):
        assert defs.resolve_sensor_def(sensor.name).job_name == "scorecard_job"
    # Not a downstream asset of the data, and not run inside the pipeline's own jobs.
    graph = defs.resolve_asset_graph()
    assert not graph.get(dg.AssetKey("dq_scorecard")).parent_keys
    full = defs.resolve_job_def("full_pipeline_job")
    assert dg.AssetKey("dq_scorecard") not in full.asset_layer.executable_asset_keys
    assert defs.resolve_job_def("scorecard_job").asset_layer.executable_asset_keys == {
        dg.AssetKey("dq_scorecard")
    }
