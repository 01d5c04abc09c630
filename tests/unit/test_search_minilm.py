"""The optional neural backend, where its extra is installed (`make embeddings`): the packaged
all-MiniLM-L6-v2 weights load and rank with no network. Skipped without the extra, unless
DQ_TEST_EMBEDDINGS=required: then a missing extra fails."""

import importlib
import os
import pickle
import socket

import pytest

from dq_pipelines.cli.sample_products import sample_products
from dq_pipelines.ml.search_index import build_index

for _module in ("sentence_transformers", "all_minilm_l6_v2"):
    if os.environ.get("DQ_TEST_EMBEDDINGS") == "required":
        importlib.import_module(_module)
    else:
        pytest.importorskip(_module)


def test_packaged_minilm_indexes_and_ranks_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    index = build_index(sample_products(200, seed=3), "minilm")
    assert index.vectors.shape == (200, 384)
    assert index.search("leather couch", 3)[0].category == "sofas"  # a word no title has
    assert pickle.loads(pickle.dumps(index.embedder))._model is None  # weights not pickled
