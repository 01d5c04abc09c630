"""Which model version serves: the one place that decides it."""

import duckdb

from dq_pipelines.storage import model_registry


class NoModelError(LookupError):
    """No version of a model has been registered yet."""


def champion_version(conn: duckdb.DuckDBPyConnection, model_asset: str) -> str:
    """The serving version of `model_asset`: its champion in the registry (promoted by its
    evaluation or rolled back to; storage/model_registry.py)."""
    row = model_registry.champion(conn, model_asset)
    if row is None:
        raise NoModelError(
            f"no {model_asset} is in service yet: materialize {model_asset} (dq-pipelines "
            "demo, or the train_job in the Dagster UI); a version is served once promoted"
        )
    return str(row["model_version"])
