"""What every model asset records of a version it built: its row in dq_model_registry (a
challenger until its evaluation decides), its golden cases' results in the check history, and
what its materialization says of its gate and golden cases."""

import json
from collections.abc import Sequence
from typing import Any

import duckdb

from dq_pipelines.checks.gx_runner import CheckOutcome
from dq_pipelines.checks.history import record_results, result_rows
from dq_pipelines.ml.gate import UnpassedCheck
from dq_pipelines.ml.golden import GoldenResult
from dq_pipelines.ml.golden_checks import golden_outcomes, golden_summary
from dq_pipelines.storage.ops_tables import MODEL_REGISTRY, insert


def register_version(
    conn: duckdb.DuckDBPyConnection, row: dict[str, Any], golden: Sequence[GoldenResult]
) -> list[CheckOutcome]:
    """Register a version (`row`: its dq_model_registry columns but the golden summary) and
    record its golden cases' results; returns them as check outcomes, to report."""
    outcomes = golden_outcomes(golden)
    insert(conn, MODEL_REGISTRY, [row | {"golden_results": json.dumps(golden_summary(golden))}])
    record_results(conn, result_rows(row["model_asset"], outcomes, row["run_id"], None))
    return outcomes


def build_metadata(
    override: str, unpassed: Sequence[UnpassedCheck], golden: Sequence[GoldenResult]
) -> dict[str, Any]:
    """The materialization metadata every model asset shares: its gate and golden cases."""
    return {
        "gate_override_reason": override or "none",
        "gate_unpassed_checks": [u.describe() for u in unpassed],
        "golden_failed": [r.case_id for r in golden if not r.passed],
    }
