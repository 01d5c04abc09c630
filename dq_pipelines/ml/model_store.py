"""Versioned model artifacts: each training writes a new file (and keeps the data it learned
from beside it), none is overwritten."""

from pathlib import Path
from typing import Any

import dagster as dg
import joblib


class ModelStore(dg.ConfigurableResource):
    """A folder of model artifacts, one file per model version."""

    path: str

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
