"""product_search_index: gated like category_model, registered and saved when it builds, and
served once product_search_evaluation has promoted it."""

import dagster as dg
import pandas as pd
from pipeline_support import run_job

from dq_pipelines.cli.sample_products import sample_products
from dq_pipelines.declared.project import SEARCH_ASSET, SEARCH_EVALUATION_ASSET, TRAINING_SET
from dq_pipelines.ml.champion import champion_version
from dq_pipelines.ml.model_store import ModelStore
from dq_pipelines.storage import model_registry


def _materialize(
    defs, instance, reason: str = "", selection: tuple[str, ...] = (SEARCH_ASSET,)
) -> dg.ExecuteInProcessResult:
    """Build product_search_index alone (its own job, as the UI's "Materialize" would)."""
    only = dg.define_asset_job("search_only", selection=list(selection))
    config = {"ops": {SEARCH_ASSET: {"config": {"override_failed_checks_reason": reason,
                                                "components": 32}}}}  # fmt: skip
    with_job = dg.Definitions.merge(defs, dg.Definitions(jobs=[only]))
    return run_job(
        with_job, instance, "search_only", run_config=config if SEARCH_ASSET in selection else {}
    )


def test_blocked_while_upstream_blocking_checks_have_not_passed(defs, instance):
    result = _materialize(defs, instance)
    assert result.success and not result.get_asset_materialization_events()  # blocked
    said = {
        e.asset_key.to_user_string(): e.asset_observation_data.asset_observation
        for e in result.get_asset_observation_events()
    }
    reason = said[SEARCH_ASSET].description
    assert said[SEARCH_ASSET].metadata["dq/status"].value == "blocked"
    assert "upstream blocking check(s) have not passed" in reason
    assert "training_set:labels__suspicious (NEVER_RUN)" in reason


def test_builds_registers_and_saves_an_index_the_champion_serves(
    defs, instance, project_env, warehouse
):
    products = sample_products(500, seed=2).rename(columns={"category": "label"})
    products["catalog_load_id"] = "load-1"
    with warehouse.connect() as conn:
        conn.register("products", products)
        conn.execute(f"create table {TRAINING_SET} as select * from products")
    reason = "index built on hand-made data in a test"
    result = _materialize(defs, instance, reason)
    assert result.success
    with warehouse.connect() as conn:
        assert model_registry.champion(conn, SEARCH_ASSET) is None  # until it is evaluated
    meta = result.asset_materializations_for_node(SEARCH_ASSET)[0].metadata
    assert meta["embedding_backend"].value == "tfidf" and meta["products"].value == 500
    assert meta["dimensions"].value == 32 and meta["gate_override_reason"].value == reason
    registry = warehouse.query("select * from dq_model_registry")
    assert len(registry) == 1
    row = registry.iloc[0]
    assert row["model_asset"] == SEARCH_ASSET and row["training_rows"] == 500
    assert list(row["training_load_ids"]) == ["load-1"] and row["gate_override_reason"] == reason
    assert row["status"] == "challenger" and row["status_reason"] is None
    evaluated = _materialize(defs, instance, selection=(SEARCH_EVALUATION_ASSET,))
    assert evaluated.success
    with warehouse.connect() as conn:
        version = champion_version(conn, SEARCH_ASSET)
    assert version == row["model_version"] and version.startswith("search-")
    store = ModelStore(path=str(project_env / "artifacts"))
    index = store.load_search_index(SEARCH_ASSET, version)
    assert index.search("office chair", 3)[0].category == "chairs"


def test_an_unknown_backend_setting_fails_the_build_naming_the_choices(
    project_env, instance, warehouse, monkeypatch
):
    monkeypatch.setenv("DQ_EMBEDDING_BACKEND", "bert")
    from dq_pipelines.definitions import defs as load_defs

    with warehouse.connect() as conn:
        one = pd.DataFrame({"product_id": ["P1"], "title": ["chair"], "description": ["x"]})
        conn.register("one", one)
        conn.execute(f"create table {TRAINING_SET} as select *, 'l' as catalog_load_id from one")
    result = _materialize(load_defs(), instance, "test")
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "must be one of minilm, tfidf" in str(failure.step_failure_data.error)
