"""The write step of a raw asset: pick a delivery (or its archived copy), receive and stage it.

Its result (wap/asset.py `Written`) says what was staged for the audit, or why nothing was:
a duplicate of an earlier load, or a delivery its contract rejects.
"""

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from dq_pipelines.declared.contracts import SourceContract
from dq_pipelines.declared.schemas import column_schema
from dq_pipelines.landing.archive import archived_arrivals, last_accepted_columns
from dq_pipelines.landing.ingest import (
    DeliveryError,
    IngestOutcome,
    LandingZone,
    Received,
    choose_delivery,
    receive,
    record_publication,
    stage_delivery,
)
from dq_pipelines.storage.warehouse import DuckDBWarehouse
from dq_pipelines.wap.asset import Written
from dq_pipelines.wap.decide import HELD
from dq_pipelines.wap.publish import Publication


def write_delivery(
    warehouse: DuckDBWarehouse,
    landing: LandingZone,
    contract: SourceContract,
    run_id: str,
    requested: date | None,
    replay: bool,
    run_is_over: Callable[[str], bool],
) -> Written:
    """Stage the requested delivery (default: the newest landed), or replay its archived files."""
    load_id = f"{contract.name}-{uuid.uuid4().hex[:12]}"
    if replay:  # the archived arrivals, under their original names: nothing arrives anew
        if requested is None:
            raise DeliveryError("replay needs a delivery_date")
        with warehouse.connect() as conn:
            files = archived_arrivals(conn, contract.name, requested)
        if not files:
            raise DeliveryError(f"no archived '{contract.name}' delivery for {requested}")
        delivery_date, received = requested, Received(requested, tuple(files), ())
    else:
        delivery_date, landed = choose_delivery(contract, landing.root, requested)
        # Read and archived before the warehouse is opened: a slow read never holds its file.
        received = receive(contract.name, landing.root, delivery_date, landed, landing.archive_root)
    with warehouse.connect() as conn:
        outcome = stage_delivery(conn, contract, received, load_id, run_id, replay, run_is_over)
        kept = () if outcome.delivered_columns else last_accepted_columns(conn, contract.name)
    return _written(contract, delivery_date, outcome, run_id, kept)


def _written(
    contract: SourceContract,
    delivery_date: date,
    outcome: IngestOutcome,
    run_id: str,
    kept_columns: tuple[str, ...] = (),
) -> Written:
    """`kept_columns`: the table's columns when the delivery's header could not be read."""
    metadata: dict[str, Any] = {
        "delivery_status": outcome.status,
        "delivery_date": str(delivery_date),
        "load_id": outcome.load_id,
        "files": [f.original_name for f in outcome.files],
        "archived_as": [str(f.archive_path) for f in outcome.files],
    }
    if outcome.unread:
        metadata["refused_unread"] = [e.entry for e in outcome.unread]
    # What arrived, for Dagster's column-schema-change check; when no header could be read, the
    # columns the table keeps (the last parsed delivery's), so neither this check nor the next
    # delivery's says only "no column schema metadata".
    if columns := outcome.delivered_columns or kept_columns:
        metadata["dagster/column_schema"] = column_schema(dict.fromkeys(columns, "VARCHAR"))
    if outcome.reason:
        metadata["rejected_because"] = outcome.reason
    unchanged = {
        "staged": "",
        "duplicate": f"same content as load {outcome.load_id} "
        f"({outcome.earlier_status}): not staged again; replay it after a fix",
        "rejected": f"REJECTED: {outcome.reason}; the raw table is unchanged",
    }[outcome.status]
    return Written(
        staged=outcome.staged,
        log_prefix=f"{contract.name} {delivery_date}",
        metadata=metadata,
        unchanged_because=unchanged,
        staged_note=f"{outcome.row_count} rows staged; ",
        on_publish=lambda conn, p: record_publication(conn, outcome, p),
        published_metadata=_delivery_status,
    )


def _delivery_status(publication: Publication) -> dict[str, Any]:
    return {"delivery_status": "held" if publication.status == HELD else "loaded"}
