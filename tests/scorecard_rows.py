"""Hand-made rows of the dq_* tables the scorecard reads (shared by its unit tests)."""

from datetime import date, datetime, timedelta
from itertools import count

import duckdb

from dq_pipelines.storage.ops_tables import (
    CHECK_RESULTS,
    LABEL_REVIEW,
    MANIFEST,
    MODEL_METRICS,
    MODEL_REGISTRY,
    PUBLICATIONS,
    QUARANTINE,
    insert,
)

T0 = datetime(2026, 11, 1, 6, 0)
_ids = count()


def result(
    run: int,
    asset: str,
    check: str,
    status: str,
    percent: float | None = None,
    blocked_by: list[str] | None = None,
) -> dict:
    """One evaluation in run number `run` (runs are an hour apart, run 0 first)."""
    return {
        "result_id": f"r{next(_ids)}",
        "evaluated_at": T0 + timedelta(hours=run, seconds=next(_ids) % 50),
        "asset": asset,
        "check_name": check,
        "check_kind": "suite",
        "expectation_type": "expect_column_values_to_not_be_null",
        "severity": "ERROR",
        "status": status,
        "unexpected_percent": percent,
        "run_id": f"run-{run:02d}-0123456789",
        "blocked_by": blocked_by,
        "description": f"{check} holds",
    }


def add_results(conn: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    insert(conn, CHECK_RESULTS, rows)


def add_history(conn: duckdb.DuckDBPyConnection) -> None:
    """Four runs: raw_catalog and stg_catalog (source catalog) and raw_labels (labels).

    Run 3 is the faulty one: title__not_null fails on stg_catalog and training_set's checks are
    blocked by it."""
    rows = []
    for run in range(4):
        faulty = run == 3
        rows += [
            result(run, "raw_catalog", "product_id__not_null", "passed", 0.0),
            result(
                run, "raw_catalog", "price__between", "warned" if run >= 2 else "passed", 1.5 * run
            ),
            result(
                run,
                "stg_catalog",
                "title__not_null",
                "failed" if faulty else "passed",
                12.5 if faulty else 0.0,
            ),
            result(run, "raw_labels", "label__in_set", "passed", 0.0),
        ]
        if faulty:
            blocked = ["stg_catalog.title__not_null"]
            rows += [
                result(run, "training_set", "labels__missing", "blocked", blocked_by=blocked),
                result(run, "training_set", "labels__suspicious", "blocked", blocked_by=blocked),
            ]
        else:
            rows.append(result(run, "training_set", "labels__missing", "passed", 0.0))
    add_results(conn, rows)


def add_records(conn: duckdb.DuckDBPyConnection) -> None:
    """Manifest, a held publication, quarantine, review queue and two model versions."""

    def arrival(source: str, day: int, status: str) -> dict:
        return {
            "arrival_id": f"{source}-{day}",
            "source": source,
            "delivery_date": date(2026, 11, day),
            "arrived_at": datetime(2026, 11, day, 5, 30),
            "status": status,
        }

    insert(
        conn,
        MANIFEST,
        [
            arrival("catalog", 1, "replaced"),
            arrival("catalog", 2, "loaded"),
            arrival("catalog", 3, "held"),
            arrival("labels", 3, "loaded"),
            arrival("labels", 4, "duplicate"),
        ],
    )
    insert(
        conn,
        PUBLICATIONS,
        [
            {
                "asset": "stg_catalog",
                "run_id": "run-03-0123456789",
                "status": "held",
                "reason": "2 of 16 rows fail",
                "decided_at": T0 + timedelta(hours=3, minutes=5),
            },
            {
                "asset": "raw_labels",
                "run_id": "run-03-0123456789",
                "status": "published",
                "reason": None,
                "decided_at": T0 + timedelta(hours=3),
            },
        ],
    )
    quarantined = {"asset": "raw_catalog", "load_id": "load-2", "delivery_date": date(2026, 11, 2)}
    insert(
        conn,
        QUARANTINE,
        [
            {
                **quarantined,
                "staged_row": 4,
                "failed_checks": ["price__between"],
                "quarantined_at": T0,
                "released_at": None,
            },
            {
                **quarantined,
                "staged_row": 7,
                "failed_checks": ["price__between", "id__unique"],
                "quarantined_at": T0,
                "released_at": None,
            },
            {
                **quarantined,
                "staged_row": 9,
                "failed_checks": ["x"],
                "quarantined_at": T0,
                "released_at": T0 + timedelta(days=1),
            },
        ],
    )
    flag = {"asset": "training_set", "suggested_label": "desks", "times_flagged": 1}
    insert(
        conn,
        LABEL_REVIEW,
        [
            {**flag, "item_id": "p1", "given_label": "lamps", "confidence": 0.2, "verdict": None},
            {**flag, "item_id": "p2", "given_label": "lamps", "confidence": 0.05, "verdict": None},
            {
                **flag,
                "item_id": "p3",
                "given_label": "sofas",
                "confidence": 0.01,
                "verdict": "wrong",
            },
        ],
    )
    insert(
        conn,
        MODEL_REGISTRY,
        [
            {
                "model_version": "v1",
                "model_asset": "category_model",
                "trained_at": T0,
                "training_rows": 100,
            },
            {
                "model_version": "v2",
                "model_asset": "category_model",
                "trained_at": T0 + timedelta(days=1),
                "training_rows": 120,
            },
        ],
    )
    metric = {"model_version": "v2", "evaluated_at": T0 + timedelta(days=1)}
    insert(
        conn,
        MODEL_METRICS,
        [
            {**metric, "metric": "accuracy", "label": None, "value": 0.91},
            {**metric, "metric": "recall", "label": "lamps", "value": 0.82},
            {**metric, "metric": "recall", "label": "desks", "value": 0.47},
            {
                "model_version": "v1",
                "metric": "accuracy",
                "label": None,
                "value": 0.5,
                "evaluated_at": T0,
            },
        ],
    )
