"""The model registry's states: which version of each model is in service (the champion).

A trained version starts as a challenger. Evaluation promotes it (ml/promotion.py decides) or
leaves it a challenger with the reason; the champion it replaces is retired. Serving code, the
drift check and the search command load the champion, never just the newest file; rolling back
makes an earlier champion the champion again. Promotion and rollback are rows, not files.
"""

import json
from typing import Any

import duckdb

from dq_pipelines.storage.ops_tables import MODEL_REGISTRY
from dq_pipelines.storage.warehouse import table_exists

CHAMPION, CHALLENGER, RETIRED = "champion", "challenger", "retired"
_TABLE = MODEL_REGISTRY.name


def _one(conn: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> dict[str, Any] | None:
    if not table_exists(conn, _TABLE):
        return None
    cursor = conn.execute(f"select * from {_TABLE} where {where}", params)
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def champion(conn: duckdb.DuckDBPyConnection, model_asset: str) -> dict[str, Any] | None:
    """The registry row of the model in service (None before a first promotion)."""
    return _one(
        conn, "model_asset = ? and status = ? order by status_at desc limit 1",
        [model_asset, CHAMPION],
    )  # fmt: skip


def newest(conn: duckdb.DuckDBPyConnection, model_asset: str) -> dict[str, Any] | None:
    """The registry row of the version trained last (None before a first training)."""
    return _one(conn, "model_asset = ? order by trained_at desc limit 1", [model_asset])


def golden_failed(row: dict[str, Any]) -> list[str]:
    """The golden cases a version failed when it was trained (from its `golden_results`)."""
    return [g["case"] for g in json.loads(row["golden_results"] or "[]") if not g["passed"]]


def is_decided(row: dict[str, Any]) -> bool:
    """Has an evaluation (or a rollback) already said what becomes of this version?"""
    return row["status_reason"] is not None


def version(conn: duckdb.DuckDBPyConnection, model_version: str) -> dict[str, Any] | None:
    return _one(conn, "model_version = ?", [model_version])


def _set(conn: duckdb.DuckDBPyConnection, model_version: str, status: str, reason: str) -> None:
    promoted = ", promoted_at = now()" if status == CHAMPION else ""
    conn.execute(
        f"update {_TABLE} set status = ?, status_reason = ?, status_at = now(){promoted} "
        "where model_version = ?",
        [status, reason, model_version],
    )


def keep_challenger(conn: duckdb.DuckDBPyConnection, model_version: str, reason: str) -> None:
    _set(conn, model_version, CHALLENGER, reason)


def promote(
    conn: duckdb.DuckDBPyConnection, model_asset: str, model_version: str, reason: str
) -> str | None:
    """Make `model_version` the champion of `model_asset`, retiring the one in service (whose
    version is returned)."""
    current = champion(conn, model_asset)
    if current is not None and current["model_version"] != model_version:
        _set(conn, current["model_version"], RETIRED, f"replaced by {model_version}: {reason}")
    _set(conn, model_version, CHAMPION, reason)
    return current["model_version"] if current else None


def rollback(
    conn: duckdb.DuckDBPyConnection, model_asset: str, to_version: str | None = None
) -> tuple[str | None, str]:
    """Make an earlier champion the champion again: `to_version`, or the one most recently
    in service before the current one. Returns (the champion replaced, the new champion)."""
    current = champion(conn, model_asset)
    exclude = current["model_version"] if current else ""
    if to_version is None:
        target = _one(
            conn,
            "model_asset = ? and promoted_at is not null and model_version <> ? "
            "order by promoted_at desc limit 1",
            [model_asset, exclude],
        )
        if target is None:
            raise LookupError(f"no earlier champion of {model_asset} to roll back to")
    else:
        target = _one(conn, "model_asset = ? and model_version = ?", [model_asset, to_version])
        if target is None:
            raise LookupError(f"{model_asset} has no version {to_version!r}")
    new = target["model_version"]
    promote(conn, model_asset, new, f"rollback from {exclude or 'no champion'}")
    return (current["model_version"] if current else None), new
