"""`dq-pipelines search`: results with scores from the champion index, clear errors before."""

from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from dq_pipelines.cli import main
from dq_pipelines.cli.sample_products import sample_products
from dq_pipelines.declared.project import SEARCH_ASSET
from dq_pipelines.ml.model_store import ModelStore
from dq_pipelines.ml.search_index import build_index
from dq_pipelines.storage import model_registry
from dq_pipelines.storage.ops_tables import MODEL_REGISTRY, insert
from dq_pipelines.storage.warehouse import DuckDBWarehouse


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DQ_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("DQ_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    return tmp_path


def _publish(env: Path, version: str, n: int, promote: bool = True) -> None:
    index = build_index(sample_products(n, seed=5), "tfidf", components=16)
    path = ModelStore(path=str(env / "artifacts")).save(SEARCH_ASSET, version, index)
    row = {"model_version": version, "model_asset": SEARCH_ASSET,
           "trained_at": datetime.now(), "artifact_path": str(path)}  # fmt: skip
    with DuckDBWarehouse(path=str(env / "warehouse.duckdb")).connect() as conn:
        insert(conn, MODEL_REGISTRY, [row])
        if promote:
            model_registry.promote(conn, SEARCH_ASSET, version, "golden cases passed")


def test_search_prints_the_champion_results_with_scores(env: Path) -> None:
    _publish(env, "search-1", 300)
    _publish(env, "search-2", 500)  # promoted after search-1: the one served
    _publish(env, "search-3", 400, promote=False)  # newer, but a challenger: not served
    result = CliRunner().invoke(main, ["search", "office chair", "--k", "4"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{SEARCH_ASSET} search-2 (tfidf, 500 products)"
    assert lines[1].split() == ["#", "score", "product_id", "category", "title"]
    assert len(lines) == 2 + 4
    first = lines[2].split()
    assert first[0] == "1" and 0 < float(first[1]) <= 1 and first[3] == "chairs"


def test_search_before_any_index_says_so(env: Path) -> None:
    result = CliRunner().invoke(main, ["search", "chair"])
    assert result.exit_code == 1 and "no warehouse at" in result.output
    DuckDBWarehouse(path=str(env / "warehouse.duckdb")).table_exists("x")  # an empty warehouse
    result = CliRunner().invoke(main, ["search", "chair"])
    assert result.exit_code == 1
    assert f"no {SEARCH_ASSET} is in service yet" in result.output


def test_search_with_a_lost_artifact_says_which(env: Path) -> None:
    _publish(env, "search-1", 200)
    (env / "artifacts" / SEARCH_ASSET / "search-1.joblib").unlink()
    result = CliRunner().invoke(main, ["search", "chair"])
    assert result.exit_code == 1 and "no search index artifact" in result.output


@pytest.mark.parametrize("args", [["search", "  "], ["search", "chair", "--k", "0"]])
def test_bad_arguments_are_usage_errors(env: Path, args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
