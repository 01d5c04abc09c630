"""Which model version serves: the one place that decides it."""

import duckdb

from dq_pipelines.storage.ops_tables import MODEL_REGISTRY


class NoModelError(LookupError):
    """No version of a model has been registered yet."""


def champion_version(conn: duckdb.DuckDBPyConnection, model_asset: str) -> str:
    """The serving version of `model_asset`: for now the newest registered one.

    Promotion (champion/challenger, issue 13) replaces this function: serving code and the
    `search` command ask only here, so once the registry records a status they follow it.
    """
    exists = conn.execute(
        "select count(*) from information_schema.tables where table_name = ?",
        [MODEL_REGISTRY.name],
    ).fetchone()
    row = (
        conn.execute(
            f"select model_version from {MODEL_REGISTRY.name} where model_asset = ? "
            "order by trained_at desc, model_version desc limit 1",
            [model_asset],
        ).fetchone()
        if exists and exists[0]
        else None
    )
    if row is None:
        raise NoModelError(
            f"no {model_asset} has been built yet: materialize {model_asset} "
            "(dq-pipelines demo, or the train_job in the Dagster UI)"
        )
    return str(row[0])
