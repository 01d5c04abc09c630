"""Write, audit, publish: a new version of a table is checked before anyone can read it.

Dagster writes an asset before its checks run, so a failing check would leave bad rows in the
table downstream assets read. Here an asset instead
1. stages the new version in the `dq_audit` schema, under a name of its own run (stage.py),
2. audits the staged copy (its suite, and any other checks the asset computes; audit.py),
3. publishes it to the table downstream assets read, in one transaction (decide.py says which):
   - `published`: no ERROR check failed; every row is published.
   - `partial`: only row-level ERROR expectations failed (see row_conditions), on at most the
     share of rows the source's contract allows (`quarantine.max_share`): the failing rows go
     to `dq_quarantine` with the checks they failed (quarantine.py), the others are published.
   - `held`: anything else. The table keeps its previous version; every staged row of a source's
     delivery goes to `dq_quarantine` (failing rows with their checks), so nothing is lost.
     Assets built from several sources have no quarantine: they are rebuilt from what their
     sources published.
Every decision is a row in `dq_publications`. The steps live in their own modules (stage.py,
audit.py, decide.py, quarantine.py); wap/asset.py is the one asset body that runs them.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb

from dq_pipelines.checks.gx_runner import CheckOutcome
from dq_pipelines.declared.suites import SuiteSpec
from dq_pipelines.storage import sql
from dq_pipelines.storage.identifiers import quote_identifier
from dq_pipelines.storage.ops_tables import NOW, PUBLICATIONS, insert
from dq_pipelines.storage.warehouse import DuckDBWarehouse, table_exists
from dq_pipelines.wap.audit import RowConditions, TableChecks, audit
from dq_pipelines.wap.decide import (
    HELD,
    PARTIAL,
    Plan,
    checks_to_recheck,
    plan_publication,
    recheck_remaining_rows,
    select_remaining,
    unevaluable_noted,
)
from dq_pipelines.wap.quarantine import quarantine, supersede
from dq_pipelines.wap.stage import Staged, drop_staged

# Writes an audit's outcomes, as reported, on the publication's connection (checks/history.py).
Recorder = Callable[[duckdb.DuckDBPyConnection, list[CheckOutcome]], None]


@dataclass(frozen=True)
class Publication:
    asset: str
    status: str  # PUBLISHED, PARTIAL or HELD
    staged_rows: int
    published_rows: int
    quarantined_rows: int
    max_share: float | None  # None: the asset has no quarantine (built from several sources)
    reason: str
    failing_rows: int = 0
    quarantined_by_check: dict[str, int] = field(default_factory=dict)
    table_rows: int = 0  # rows the published table holds after the decision (held: as before)

    @property
    def failing_share(self) -> float:
        return self.failing_rows / self.staged_rows if self.staged_rows else 0.0

    def metadata(self) -> dict[str, Any]:
        """What the materialization says about the publication."""
        return {
            "dagster/row_count": self.table_rows,
            "publication": self.status,
            "publication_reason": self.reason,
            "staged_rows": self.staged_rows,
            "published_rows": self.published_rows,
            "quarantined_rows": self.quarantined_rows,
            "failing_share": round(self.failing_share, 6),
            **({"max_quarantine_share": self.max_share} if self.max_share is not None else {}),
        }


def apply_publication(
    conn: duckdb.DuckDBPyConnection,
    staged: Staged,
    plan: Plan,
    max_share: float | None,
    run_id: str,
    on_publish: Callable[[duckdb.DuckDBPyConnection, Publication], None] | None = None,
) -> Publication:
    """Publish, quarantine or hold as planned, in one transaction.

    `on_publish` runs inside the transaction (e.g. the landing manifest's update), so the
    table and the records about it change together or not at all.
    """
    decision = plan.decision
    conn.begin()
    try:
        published, table_rows = _publish_or_keep(conn, staged, decision.status)
        quarantined = 0
        if max_share is not None:
            supersede(conn, staged, run_id)
            if plan.failing_rows or decision.status == HELD:
                everything = decision.status == HELD
                quarantined = quarantine(conn, staged, run_id, decision.reason, everything)
        publication = Publication(
            staged.asset,
            decision.status,
            staged.rows,
            published,
            quarantined,
            max_share,
            decision.reason,
            plan.failing_rows,
            plan.by_check if quarantined else {},
            table_rows,
        )
        _record(conn, publication, run_id)
        if on_publish is not None:
            on_publish(conn, publication)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return publication


def _publish_or_keep(
    conn: duckdb.DuckDBPyConnection, staged: Staged, status: str
) -> tuple[int, int]:
    """Publish the staged rows not failing (unless held): replacing the table, or added to it
    (`staged.append`); returns the rows published and the rows the table holds after (held:
    its previous version, if any)."""
    target = quote_identifier(staged.asset)
    if status == HELD:
        if not table_exists(conn, staged.asset):
            return 0, 0
        ((kept,),) = conn.execute(f"select count(*) from {target}").fetchall()
        return 0, kept
    passing = (
        f"select * from {staged.sql} "
        f"where {sql.row_position()} not in (select row_no from {staged.failing.sql})"
    )
    if not staged.append:
        conn.execute(f"create or replace table {target} as {passing}")
        ((published,),) = conn.execute(f"select count(*) from {target}").fetchall()
        return published, published
    # Append: the delivery's rows join the earlier deliveries'; a re-delivered date replaces
    # that date's rows. (Positions are taken from the staged table first: the staged table is
    # never changed, so they are the audit's.)
    conn.execute(f"create table if not exists {target} as select * from {staged.sql} limit 0")
    conn.execute(
        f"delete from {target} where _delivery_date in "
        f"(select distinct _delivery_date from {staged.sql})"
    )
    ((published,),) = conn.execute(f"select count(*) from ({passing})").fetchall()
    if _described(conn, target) == _described(conn, staged.sql):
        conn.execute(f"insert into {target} by name {passing}")
    else:  # the contract changed (a column added or retyped): earlier rows get the new shape
        conn.execute(
            f"create or replace table {target} as "
            f"select * from {target} union all by name {passing}"
        )
    ((table_rows,),) = conn.execute(f"select count(*) from {target}").fetchall()
    return published, table_rows


def _described(conn: duckdb.DuckDBPyConnection, table: str) -> set[tuple[str, str]]:
    """A table's columns with their types."""
    return {(name, type_) for name, type_, *_ in conn.execute(f"describe {table}").fetchall()}


def _record(conn: duckdb.DuckDBPyConnection, publication: Publication, run_id: str) -> None:
    """The decision's row in dq_publications."""
    row = {
        "asset": publication.asset,
        "run_id": run_id,
        "status": publication.status,
        "staged_rows": publication.staged_rows,
        "published_rows": publication.published_rows,
        "quarantined_rows": publication.quarantined_rows,
        "failing_share": publication.failing_share,
        "max_quarantine_share": publication.max_share,
        "reason": publication.reason,
        "decided_at": NOW,
    }
    insert(conn, PUBLICATIONS, [row])


def as_reported(outcomes: Sequence[CheckOutcome], publication: Publication) -> list[CheckOutcome]:
    """The audit's outcomes, saying what the publication did about each failure.

    A failure whose rows were quarantined while the rest was published is reported as a WARN
    (the published table holds none of those rows), with the counts; a held publication keeps
    its ERROR failures and says the table was not updated.
    """
    reported = []
    for o in outcomes:
        if o.passed or o.severity != "ERROR":
            reported.append(o)
            continue
        moved = publication.quarantined_by_check.get(o.check_name, 0)
        facts = {"publication": publication.status, "quarantined_rows": moved}
        if publication.status == PARTIAL:
            note = (
                f"{moved} row(s) quarantined; {publication.published_rows} of "
                f"{publication.staged_rows} rows published ({publication.reason})"
            )
            reported.append(_with(o, note, facts, severity="WARN"))
        else:
            note = f"not published, the table keeps its previous version ({publication.reason})"
            reported.append(_with(o, note, facts))
    return reported


def _with(outcome: CheckOutcome, note: str, facts: dict[str, Any], **changes: Any) -> CheckOutcome:
    note = note[0].upper() + note[1:]
    description = f"{outcome.description} {note}" if outcome.description else note
    return replace(outcome, description=description, details=outcome.details | facts, **changes)


def audit_and_publish(
    warehouse: DuckDBWarehouse,
    staged: Staged,
    suite: SuiteSpec | None,
    max_share: float | None,
    run_id: str,
    table_checks: TableChecks | None = None,
    on_publish: Callable[[duckdb.DuckDBPyConnection, Publication], None] | None = None,
    row_conditions: RowConditions | None = None,
    record: Recorder | None = None,
) -> tuple[list[CheckOutcome], Publication]:
    """Audit a staged table, publish what passes, and report each check as published.

    `row_conditions` give the failing rows of the asset's own row-level checks (beside its
    suite's). `record` writes the outcomes as reported in the publication's transaction, so
    the history and the publication agree. The staged table and its helpers are dropped
    whatever happens.
    """
    try:
        outcomes = audit(warehouse, suite, staged.ref, table_checks)
        conditions = row_conditions(staged.sql) if row_conditions is not None else {}
        publication, rechecked = _decide_and_publish(
            warehouse, staged, outcomes, suite, max_share, run_id, on_publish, conditions, record
        )
    except BaseException:
        with warehouse.connect() as conn:
            drop_staged(conn, staged)
        raise
    return _reported(outcomes, rechecked, publication), publication


def _reported(
    outcomes: Sequence[CheckOutcome], changed: Sequence[CheckOutcome], publication: Publication
) -> list[CheckOutcome]:
    """The audit's outcomes, those rechecked or noted replaced, as the publication reports them."""
    replaced = {o.check_name: o for o in changed}
    return as_reported([replaced.get(o.check_name, o) for o in outcomes], publication)


def _and_record(
    on_publish: Callable[[duckdb.DuckDBPyConnection, Publication], None] | None,
    record: Recorder | None,
    outcomes: Sequence[CheckOutcome],
    changed: Sequence[CheckOutcome],
) -> Callable[[duckdb.DuckDBPyConnection, Publication], None] | None:
    """`on_publish`, then the outcomes as reported recorded, in the publication's transaction."""
    if record is None:
        return on_publish

    def both(conn: duckdb.DuckDBPyConnection, publication: Publication) -> None:
        if on_publish is not None:
            on_publish(conn, publication)
        record(conn, _reported(outcomes, changed, publication))

    return both


def _decide_and_publish(
    warehouse: DuckDBWarehouse,
    staged: Staged,
    outcomes: list[CheckOutcome],
    suite: SuiteSpec | None,
    max_share: float | None,
    run_id: str,
    on_publish: Callable[[duckdb.DuckDBPyConnection, Publication], None] | None,
    conditions: dict[str, str],
    record: Recorder | None = None,
) -> tuple[Publication, list[CheckOutcome]]:
    """Plan, publish and drop the staged table on one connection.

    Only a partial publication whose kept rows must pass whole-table checks again closes it
    in between: GX validates on a connection of its own, and DuckDB refuses that one while
    another, configured differently, is open in the process.
    """
    with warehouse.connect() as conn:
        plan = plan_publication(conn, staged, outcomes, suite, max_share, conditions)
        noted = unevaluable_noted(outcomes, plan)
        recheck = checks_to_recheck(staged, suite, plan)
        if not recheck or suite is None:
            then = _and_record(on_publish, record, outcomes, noted)
            publication = apply_publication(conn, staged, plan, max_share, run_id, then)
            drop_staged(conn, staged)
            return publication, noted
        select_remaining(conn, staged)
    plan, rechecked = recheck_remaining_rows(warehouse, staged, suite, plan, recheck)
    with warehouse.connect() as conn:
        then = _and_record(on_publish, record, outcomes, rechecked + noted)
        publication = apply_publication(conn, staged, plan, max_share, run_id, then)
        drop_staged(conn, staged)
    return publication, rechecked + noted
