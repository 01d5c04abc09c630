"""The product-search index: offline embeddings, exact top-k, sample-catalogue behaviour, the
saved artifact and the serving (champion) version."""

import socket
import sys
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import pytest

from dq_pipelines.cli.sample_products import sample_products, sample_queries
from dq_pipelines.ml import search_index
from dq_pipelines.ml.champion import NoModelError, champion_version
from dq_pipelines.ml.embeddings import (
    EmbeddingBackendError,
    MiniLmEmbedder,
    TfidfSvdEmbedder,
    make_embedder,
)
from dq_pipelines.ml.model_store import ModelStore
from dq_pipelines.ml.search_index import SearchIndex, build_index, top_k
from dq_pipelines.storage import model_registry
from dq_pipelines.storage.ops_tables import MODEL_REGISTRY, ensure_ops_tables, insert


@pytest.fixture(scope="module")
def products() -> pd.DataFrame:
    return sample_products(3000, seed=7)


@pytest.fixture(scope="module")
def index(products: pd.DataFrame) -> SearchIndex:
    return build_index(products, "tfidf")


def test_builds_and_queries_with_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    small = build_index(sample_products(400, seed=3), "tfidf", components=32)
    hits = small.search("office chair", k=5)
    assert len(hits) == 5 and hits[0].category == "chairs"
    assert small.vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(small.vectors, axis=1), 1, atol=1e-5)


def test_chair_finds_a_chair_in_the_top_ten(index: SearchIndex) -> None:
    hits = index.search("chair", k=10)
    assert len(hits) == 10
    assert any(h.category == "chairs" for h in hits)
    assert [h.rank for h in hits] == list(range(1, 11))
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_desk_lamp_has_no_sofa_in_the_top_three(index: SearchIndex) -> None:
    hits = index.search("desk lamp", k=3)
    assert "sofas" not in {h.category for h in hits}
    assert hits[0].category == "lamps"


def test_sample_queries_mostly_find_their_category(index: SearchIndex) -> None:
    queries = sample_queries()
    rows, _ = index.search_rows(queries["query"].tolist(), k=1)
    top = index.categories[rows[:, 0]]
    assert (top == queries["category"].to_numpy()).mean() >= 0.8  # 0.85 at 3,000 products


def test_top_k_in_chunks_equals_a_full_sort(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "SCAN_ROWS", 7)  # many chunks, some shorter than k
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(100, 8)).astype(np.float32)
    queries = rng.normal(size=(3, 8)).astype(np.float32)
    rows, scores = top_k(vectors, queries, k=10)
    full = queries @ vectors.T
    expected = np.argsort(-full, axis=1, kind="stable")[:, :10]
    assert np.array_equal(rows, expected)
    assert np.allclose(scores, np.take_along_axis(full, expected, axis=1))
    few_rows, _ = top_k(vectors[:4], queries, k=10)  # k above the index size: all of it
    assert few_rows.shape == (3, 4)


def test_category_falls_back_to_the_vendor_category_when_unlabelled() -> None:
    products = pd.DataFrame(
        {
            "product_id": ["P1", "P2"],
            "title": ["Oak Desk", None],
            "description": [None, "a lamp"],
            "label": ["desks", None],
            "vendor_category": ["tables", "lamps"],
        }
    )
    assert list(search_index.product_categories(products)) == ["desks", "lamps"]
    assert list(search_index.product_texts(products)) == ["Oak Desk ", " a lamp"]


def test_save_and_load_round_trip(index: SearchIndex, tmp_path) -> None:
    store = ModelStore(path=str(tmp_path))
    path = store.save("product_search_index", "v1", index)
    assert path == tmp_path / "product_search_index" / "v1.joblib"
    loaded = store.load_search_index("product_search_index", "v1")
    assert isinstance(loaded.vectors, np.memmap)  # mapped, not read into memory
    assert np.array_equal(np.asarray(loaded.vectors), index.vectors)
    assert loaded.search("corner sofa", 5) == index.search("corner sofa", 5)


@pytest.mark.parametrize(
    ("query", "k", "message"),
    [("", 10, "query is empty"), ("   ", 10, "query is empty"), ("chair", 0, "k must be at"),
     ("chair", -3, "k must be at")],
)  # fmt: skip
def test_bad_queries_are_refused(index: SearchIndex, query: str, k: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        index.search(query, k)


def test_bad_product_tables_are_refused() -> None:
    empty = pd.DataFrame(columns=["product_id", "title", "description"])
    with pytest.raises(ValueError, match="no products to index"):
        build_index(empty, "tfidf")
    with pytest.raises(ValueError, match="lack column"):
        build_index(pd.DataFrame({"product_id": ["P1"], "name": ["chair"]}), "tfidf")


def test_unknown_backend_and_bad_options_are_refused() -> None:
    with pytest.raises(EmbeddingBackendError, match="unknown embedding backend 'bert'"):
        make_embedder("bert")
    with pytest.raises(ValueError, match="at least 1"):
        TfidfSvdEmbedder(components=0)
    with pytest.raises(RuntimeError, match="not fitted"):
        TfidfSvdEmbedder().transform(["chair"])


def test_neural_backend_without_its_extra_says_how_to_install_it(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "all_minilm_l6_v2", None)  # as if not installed
    with pytest.raises(EmbeddingBackendError, match=r"dq_pipelines\[embeddings\]"):
        MiniLmEmbedder().transform(["chair"])


def test_artifacts_of_another_kind_or_format_are_refused(index: SearchIndex, tmp_path) -> None:
    store = ModelStore(path=str(tmp_path))
    with pytest.raises(FileNotFoundError, match="no search index artifact"):
        store.load_search_index("product_search_index", "missing")
    store.save("product_search_index", "classifier", {"not": "an index"})
    with pytest.raises(TypeError, match="not a search index"):
        store.load_search_index("product_search_index", "classifier")
    old = SearchIndex(index.embedder, index.product_ids, index.categories, index.titles,
                      index.vectors)  # fmt: skip
    old.format_version = 0
    store.save("product_search_index", "old", old)
    with pytest.raises(ValueError, match="rebuild it"):
        store.load_search_index("product_search_index", "old")


def _register(conn, version: str, asset: str, at: str) -> None:
    row = {"model_version": version, "model_asset": asset, "trained_at": datetime.fromisoformat(at)}
    insert(conn, MODEL_REGISTRY, [row])


def test_the_version_served_is_the_promoted_one_of_that_model() -> None:
    with duckdb.connect() as conn:
        with pytest.raises(NoModelError, match="no product_search_index is in service"):
            champion_version(conn, "product_search_index")  # not even a registry table
        ensure_ops_tables(conn)
        _register(conn, "search-old", "product_search_index", "2026-01-01T00:00:00")
        with pytest.raises(NoModelError):  # trained, never promoted
            champion_version(conn, "product_search_index")
        _register(conn, "search-new", "product_search_index", "2026-01-02T00:00:00")
        _register(conn, "classifier-newest", "category_model", "2026-01-03T00:00:00")
        model_registry.promote(conn, "product_search_index", "search-old", "golden passed")
        model_registry.promote(conn, "category_model", "classifier-newest", "golden passed")
        assert champion_version(conn, "product_search_index") == "search-old"
