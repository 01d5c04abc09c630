"""The optional neural backend, where its extra is installed (`.[embeddings]`): the packaged
all-MiniLM-L6-v2 weights load and rank with no network. Skipped without the extra."""

import pickle
import socket

import pytest

pytest.importorskip("sentence_transformers")
pytest.importorskip("all_minilm_l6_v2")

from dq_pipelines.cli.sample_products import sample_products
from dq_pipelines.ml.search_index import build_index


def test_packaged_minilm_indexes_and_ranks_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    index = build_index(sample_products(200, seed=3), "minilm")
    assert index.vectors.shape == (200, 384)
    assert index.search("leather couch", 3)[0].category == "sofas"  # a word no title has
    assert pickle.loads(pickle.dumps(index.embedder))._model is None  # weights not pickled
