"""The product-search index: product text embedded once, queries answered by exact cosine
nearest neighbours over float32 vectors, scanned in chunks so the working memory of a query
stays small at a million products (the vectors themselves: 1M x 128 x 4 bytes = 512 MB)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dq_pipelines.ml.embeddings import Embedder, make_embedder

# The artifact's layout; a loaded index of another format is refused rather than misread.
FORMAT_VERSION = 1
TEXT_COLUMNS = ("title", "description")
# Where a product's category is read from, first non-null wins: the training set's majority
# label, a catalogue's category, the vendor's category for products nobody labelled.
CATEGORY_COLUMNS = ("label", "category", "vendor_category")
EMBED_BATCH = 20_000  # texts embedded at once while building (bounds the sparse matrices)
SCAN_ROWS = 131_072  # index rows scored at once per query batch


@dataclass(frozen=True)
class SearchHit:
    rank: int
    product_id: str
    category: str | None
    title: str
    score: float


def product_texts(products: pd.DataFrame) -> pd.Series:
    """Title and description, the text a product is found by (a missing part counts as empty)."""
    missing = [c for c in (*TEXT_COLUMNS, "product_id") if c not in products.columns]
    if missing:
        raise ValueError(f"products lack column(s) {', '.join(missing)}")
    return products["title"].fillna("").astype(str) + " " + products["description"].fillna("")


def product_categories(products: pd.DataFrame) -> np.ndarray:
    present = [products[c] for c in CATEGORY_COLUMNS if c in products.columns]
    if not present:
        return np.full(len(products), None, dtype=object)
    category = present[0]
    for column in present[1:]:
        category = category.fillna(column)
    return category.astype(object).where(category.notna(), None).to_numpy()


def _batches(texts: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for lo in range(0, len(texts), size):
        yield texts[lo : lo + size]


def check_query(query: str, k: int) -> str:
    if not isinstance(query, str) or not query.strip():
        raise ValueError("the search query is empty")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    return query.strip()


def top_k(vectors: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k by dot product: (rows, scores), each (len(queries), k), best first.

    Scans `vectors` SCAN_ROWS rows at a time, keeping the k best of each chunk, so a batch of
    queries never materialises its full score matrix against a large index.
    """
    n, k = len(vectors), min(k, len(vectors))
    best_rows = np.empty((len(queries), 0), dtype=np.int64)
    best_scores = np.empty((len(queries), 0), dtype=np.float32)
    for lo in range(0, n, SCAN_ROWS):
        scores = queries @ np.asarray(vectors[lo : lo + SCAN_ROWS]).T
        kk = min(k, scores.shape[1])
        part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
        best_rows = np.hstack([best_rows, part + lo])
        best_scores = np.hstack([best_scores, np.take_along_axis(scores, part, axis=1)])
        if best_rows.shape[1] > k:
            keep = np.argpartition(-best_scores, k - 1, axis=1)[:, :k]
            best_rows = np.take_along_axis(best_rows, keep, axis=1)
            best_scores = np.take_along_axis(best_scores, keep, axis=1)
    # Best first; ties broken by row, so a query always gives the same order.
    order = np.lexsort((best_rows, -best_scores), axis=1)
    return np.take_along_axis(best_rows, order, axis=1), np.take_along_axis(
        best_scores, order, axis=1
    )


class SearchIndex:
    """Products' ids, categories, titles and unit vectors, and the embedder that made them."""

    def __init__(
        self,
        embedder: Embedder,
        product_ids: np.ndarray,
        categories: np.ndarray,
        titles: np.ndarray,
        vectors: np.ndarray,
    ) -> None:
        self.format_version = FORMAT_VERSION
        self.embedder = embedder
        self.product_ids, self.categories, self.titles = product_ids, categories, titles
        self.vectors = vectors

    @classmethod
    def build(cls, products: pd.DataFrame, embedder: Embedder) -> SearchIndex:
        """Fit `embedder` on the products' text, then index them (`embed`)."""
        texts = product_texts(products).tolist()
        if not texts:
            raise ValueError("no products to index: the product table is empty")
        return cls.embed(products, embedder.fit(texts), texts)

    @classmethod
    def embed(
        cls, products: pd.DataFrame, embedder: Embedder, texts: list[str] | None = None
    ) -> SearchIndex:
        """An index of `products` with an already fitted `embedder`, embedded batch by batch."""
        texts = product_texts(products).tolist() if texts is None else texts
        if not texts:
            raise ValueError("no products to index: the product table is empty")
        vectors = np.empty((len(texts), embedder.dimensions), dtype=np.float32)
        for i, batch in enumerate(_batches(texts, EMBED_BATCH)):
            vectors[i * EMBED_BATCH : i * EMBED_BATCH + len(batch)] = embedder.transform(batch)
        return cls(
            embedder,
            products["product_id"].astype(str).to_numpy(dtype=object),
            product_categories(products),
            products["title"].fillna("").astype(str).to_numpy(dtype=object),
            vectors,
        )

    def __len__(self) -> int:
        return len(self.product_ids)

    @property
    def backend(self) -> str:
        return self.embedder.backend

    def search(self, query: str, k: int = 10) -> list[SearchHit]:
        """The k products nearest to `query` (cosine similarity), best first."""
        rows, scores = self.search_rows([check_query(query, k)], k)
        return [
            SearchHit(
                rank=rank,
                product_id=str(self.product_ids[row]),
                category=self.categories[row],
                title=str(self.titles[row]),
                score=float(score),
            )
            for rank, (row, score) in enumerate(zip(rows[0], scores[0], strict=True), start=1)
        ]

    def search_rows(self, queries: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Index rows and scores of the k best products per query, for batch evaluation."""
        for query in queries:
            check_query(query, k)
        return top_k(self.vectors, self.embedder.transform(list(queries)), k)

    def check_format(self) -> SearchIndex:
        found = getattr(self, "format_version", None)
        if found != FORMAT_VERSION:
            raise ValueError(
                f"search index artifact has format {found!r}, this code reads {FORMAT_VERSION}: "
                "rebuild it (materialize product_search_index)"
            )
        return self


def build_index(products: pd.DataFrame, backend: str, components: int = 128) -> SearchIndex:
    """An index of `products` embedded by `backend` (`components`: the tfidf backend's size)."""
    options = {"components": components} if backend == "tfidf" else {}
    return SearchIndex.build(products, make_embedder(backend, **options))
