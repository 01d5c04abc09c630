"""Versioned model artifacts: each training writes a new file (and keeps the data it learned
from beside it), none is overwritten."""

from pathlib import Path
from typing import Any

import dagster as dg
import joblib

from dq_pipelines.ml.embeddings import DEFAULT_BACKEND
from dq_pipelines.ml.search_index import SearchIndex


class ModelStore(dg.ConfigurableResource):
    """A folder of model artifacts, one file per model version, and how text is embedded."""

    path: str
    embedding_backend: str = DEFAULT_BACKEND  # DQ_EMBEDDING_BACKEND, see ml/embeddings.py

    def artifact_path(self, model_asset: str, version: str) -> Path:
        return Path(self.path) / model_asset / f"{version}.joblib"

    def training_data_path(self, model_asset: str, version: str) -> Path:
        """Where a version's training data is kept (Parquet), the reference drift compares
        new batches with."""
        return Path(self.path) / model_asset / f"{version}.training.parquet"

    def save(self, model_asset: str, version: str, model: Any) -> Path:
        target = self.artifact_path(model_asset, version)
        target.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(model, target)
        return target

    def load(self, model_asset: str, version: str) -> Any:
        return joblib.load(self.artifact_path(model_asset, version))

    def load_search_index(self, model_asset: str, version: str) -> SearchIndex:
        """A saved search index; its vectors are memory-mapped, not read, so opening a large
        index for one query is quick and its pages are shared between processes."""
        path = self.artifact_path(model_asset, version)
        if not path.exists():
            raise FileNotFoundError(f"no search index artifact {path}")
        index = joblib.load(path, mmap_mode="r")
        if not isinstance(index, SearchIndex):
            raise TypeError(f"{path} holds a {type(index).__name__}, not a search index")
        return index.check_format()
