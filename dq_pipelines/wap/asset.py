"""The one write-audit-publish asset: raw and SQL assets differ only in how they write.

An asset's write step stages a new version (or says why there is none); this module audits it,
publishes what passes (wap/publish.py) and reports the materialization and the selected checks.
Run with only its checks selected, the asset audits its published table instead.
defs/ binds each asset's resources and config and calls `run_wap_asset` from the body.
"""

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import duckdb

from dq_pipelines.checks.dagster_results import selected_results
from dq_pipelines.checks.gx_runner import CheckOutcome, TableRef
from dq_pipelines.checks.history import record_audit, record_checked
from dq_pipelines.checks.ml_checks import MlChecks
from dq_pipelines.declared.ml_checks import MlCheckSpec
from dq_pipelines.declared.project import load_project
from dq_pipelines.declared.suites import SuiteSpec
from dq_pipelines.storage.warehouse import DUCKDB_POOL, DuckDBWarehouse
from dq_pipelines.wap.audit import (
    RowConditions,
    TableChecks,
    audit,
    nothing_published,
    require_published,
)
from dq_pipelines.wap.blocked import record_blocked, stop_for
from dq_pipelines.wap.decide import HELD
from dq_pipelines.wap.publish import Publication, Recorder, audit_and_publish
from dq_pipelines.wap.stage import Staged


@dataclass(frozen=True)
class Audited:
    """What an asset audits: its suite and the checks it computes itself (on a table's SQL)."""

    asset: str
    suite: SuiteSpec | None
    max_share: float | None = None
    staged_checks: TableChecks | None = None  # on a staged version (may record history)
    published_checks: TableChecks | None = None  # on the published table (records nothing)
    row_conditions: RowConditions | None = None  # failing rows of its row-level own checks
    ml_checks: tuple[MlCheckSpec, ...] = ()  # its ML-check file's checks

    def table_checks(self, staged: bool) -> TableChecks | None:
        """Its own checks and its ML checks, on a staged version or on the published table."""
        own = self.staged_checks if staged else self.published_checks
        if not self.ml_checks:
            return own
        ml = MlChecks(self.asset, self.ml_checks, staged)
        if own is None:
            return ml
        return lambda conn, table: own(conn, table) + ml(conn, table)


@dataclass(frozen=True)
class Written:
    """What an asset's write step did: a staged version to audit, or nothing new."""

    staged: Staged | None
    log_prefix: str
    metadata: dict[str, Any] = field(default_factory=dict)
    # Nothing staged: why (the published table is audited again, if there is one).
    unchanged_because: str = ""
    staged_note: str = ""  # prefixed to the publication in the log line
    on_publish: Callable[[duckdb.DuckDBPyConnection, Publication], None] | None = None
    published_metadata: Callable[[Publication], dict[str, Any]] = lambda _: {}


def wap_multi_asset(spec: dg.AssetSpec, check_specs: Sequence[dg.AssetCheckSpec]):
    """The decorator every write-audit-publish asset is built with (one DuckDB writer at a time;
    its output is optional: a held or blocked version is not passed downstream, wap/blocked.py)."""
    return dg.multi_asset(
        name=spec.key.to_user_string(),
        specs=[spec.replace_attributes(skippable=True)],
        check_specs=list(check_specs),
        can_subset=True,
        pool=DUCKDB_POOL,
    )


def run_wap_asset(
    context: dg.AssetExecutionContext,
    warehouse: DuckDBWarehouse,
    audited: Audited,
    write: Callable[[], Written],
    own_checks: Callable[[Written | None], list[CheckOutcome]] = lambda _: [],
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """The body of a write-audit-publish asset.

    `own_checks` are checks computed from the pipeline's records rather than a table (e.g.
    whether the newest delivery was accepted), given what the write did (None when the checks
    run on their own); they run after the write, in every case.

    The warehouse is held open (DuckDBWarehouse.held_open) for the audit and the publication,
    not for the write: a raw asset's write reads landing files, and a slow read must not hold
    the DuckDB file (it connects once the files are read).
    """
    if not context.selected_asset_keys:  # checks run on their own: audit what is published
        with warehouse.held_open():
            yield from _audit_published(context, warehouse, audited, own_checks)
        return
    started = time.perf_counter()
    written = write()
    audit_started = time.perf_counter()
    with warehouse.held_open():
        yield from _audit_written(
            context, warehouse, audited, written, own_checks, (started, audit_started)
        )


def _audit_published(
    context: dg.AssetExecutionContext,
    warehouse: DuckDBWarehouse,
    audited: Audited,
    own_checks: Callable[[Written | None], list[CheckOutcome]],
) -> Iterator[dg.AssetCheckResult]:
    asset = audited.asset
    require_published(warehouse, asset)
    outcomes = audit(warehouse, audited.suite, TableRef(asset), audited.table_checks(False))
    outcomes = _with_own(outcomes, own_checks(None))
    record_checked(warehouse, asset, _selected(context, outcomes), context.run_id)
    yield from selected_results(context, asset, outcomes)


def _audit_written(
    context: dg.AssetExecutionContext,
    warehouse: DuckDBWarehouse,
    audited: Audited,
    written: Written,
    own_checks: Callable[[Written | None], list[CheckOutcome]],
    started: tuple[float, float],  # when the write and the audit started
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Audit what the write staged (or the published table, when it staged nothing), publish
    what passes, and report the materialization (or why there is none) and the checks."""
    asset = audited.asset
    metadata = dict(written.metadata)
    held_because = ""
    if written.staged is not None:
        outcomes, publication = audit_and_publish(
            warehouse,
            written.staged,
            audited.suite,
            audited.max_share,
            context.run_id,
            audited.table_checks(True),
            on_publish=written.on_publish,
            row_conditions=audited.row_conditions,
            record=_recorder(context, asset, written.staged.ref),
        )
        metadata |= publication.metadata() | written.published_metadata(publication)
        message = f"{written.staged_note}{publication.status}: {publication.reason}"
        held_because = publication.reason if publication.status == HELD else ""
    else:  # nothing new to audit: the table is unchanged
        outcomes = _unchanged(warehouse, audited, TableRef(asset))
        message = written.unchanged_because
    own = own_checks(written)  # after the write: they read what it recorded
    outcomes = _with_own(outcomes, own)
    # A publication recorded its audit's results already, in its own transaction.
    unrecorded = own if written.staged is not None else outcomes
    record_checked(warehouse, asset, _selected(context, unrecorded), context.run_id)
    metadata |= _timings(*started)
    context.log.info(f"{written.log_prefix}: {message}")
    project = load_project()
    stop = stop_for(project, asset, outcomes, held_because)
    if stop is None:
        yield dg.MaterializeResult(asset_key=asset, metadata=metadata)
    else:  # no output: what is built from this asset is skipped, and says why
        context.log.warning(stop.sentence)
        for observation in stop.observations(metadata):
            context.log_event(observation)
        record_blocked(
            context.instance, warehouse, context.run_id, stop.blocked, stop.failed_checks, project
        )
    yield from selected_results(context, asset, outcomes)


def _timings(started: float, audit_started: float) -> dict[str, float]:
    """How long the step wrote and how long it audited (checks, decision, publication and the
    records of both), in seconds: where a slow step spends its time, shown in the UI."""
    ended = time.perf_counter()
    return {
        "write_seconds": round(audit_started - started, 3),
        "audit_seconds": round(ended - audit_started, 3),
    }


def _with_own(outcomes: list[CheckOutcome], own: list[CheckOutcome]) -> list[CheckOutcome]:
    """The audit's outcomes and the own checks', each check once: with nothing published, the
    audit reports every check of the asset as not evaluable, the own checks among them."""
    names = {o.check_name for o in own}
    return [o for o in outcomes if o.check_name not in names] + own


def _selected(
    context: dg.AssetExecutionContext, outcomes: list[CheckOutcome]
) -> list[CheckOutcome]:
    """The outcomes Dagster is given, so the history is what the UI shows: those selected."""
    selected = {key.name for key in context.selected_asset_check_keys}
    return [o for o in outcomes if o.check_name in selected]


def _recorder(context: dg.AssetExecutionContext, asset: str, staged: TableRef) -> Recorder:
    """Records a staged version's results in the history, in its publication's transaction."""
    return lambda conn, outcomes: record_audit(
        conn, asset, staged, _selected(context, outcomes), context.run_id
    )


def _unchanged(
    warehouse: DuckDBWarehouse, audited: Audited, published: TableRef
) -> list[CheckOutcome]:
    if warehouse.table_exists(audited.asset):
        return audit(warehouse, audited.suite, published, audited.table_checks(False))
    return nothing_published(audited.asset, load_project().checks)
