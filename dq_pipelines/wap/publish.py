"""Write, audit, publish: a new version of a table is checked before anyone can read it.

Dagster writes an asset before its checks run, so a failing check would leave bad rows in the
table downstream assets read. Here an asset instead
1. stages the new version in the `dq_audit` schema, under a name of its own run,
2. audits the staged copy (its suite, and any other checks the asset computes),
3. publishes it to the table downstream assets read, in one transaction:
   - `published`: no ERROR check failed; every row is published.
   - `partial`: only row-level ERROR expectations failed (see row_conditions), on at most the
     share of rows the source's contract allows (`quarantine.max_share`): the failing rows go
     to `dq_quarantine` with the checks they failed, the others are published.
   - `held`: anything else. The table keeps its previous version; every staged row of a source's
     delivery goes to `dq_quarantine` (failing rows with their checks), so nothing is lost.
     Assets built from several sources have no quarantine: they are rebuilt from what their
     sources published.
Every decision is a row in `dq_publications`. Quarantined rows are never deleted: a later
decision on the same delivery (a replay after a fix, or a re-run) marks them released and
quarantines again whatever still fails, so each delivered row is counted once.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb

from dq_pipelines.checks.gx_runner import CheckOutcome, TableRef, quote_identifier, validate_table
from dq_pipelines.checks.masking import row_json_sql, sensitive_columns
from dq_pipelines.checks.row_conditions import sql_literal, unexpected_rows
from dq_pipelines.declared.project import DeclaredCheck, load_project
from dq_pipelines.declared.suites import SuiteSpec
from dq_pipelines.storage.warehouse import DuckDBWarehouse, table_exists

AUDIT_SCHEMA = "dq_audit"
PUBLISHED, PARTIAL, HELD = "published", "partial", "held"
HELD_CHECK = "delivery_held"  # what a held row that failed no check itself is quarantined for


@dataclass(frozen=True)
class Staged:
    asset: str
    ref: TableRef
    rows: int
    columns: tuple[str, ...]

    @property
    def sql(self) -> str:
        return self.ref.sql


_RUN = "__run_"  # staged tables are named <asset>__run_<run id>[__<helper>]


def stage(
    conn: duckdb.DuckDBPyConnection,
    asset: str,
    run_id: str,
    select_sql: str,
    params: Sequence[Any] = (),
    run_is_over: Callable[[str], bool] | None = None,
) -> Staged:
    """Write the new version of `asset` to the audit schema, named for this run.

    Per-run names mean two overlapping runs never audit or publish each other's rows. Staged
    tables of runs that are over (`run_is_over`, e.g. a run killed mid-audit), of any asset,
    are dropped first.
    """
    ref = TableRef(f"{asset}{_RUN}{run_id}", AUDIT_SCHEMA)
    conn.execute(f"create schema if not exists {AUDIT_SCHEMA}")
    if run_is_over is not None:
        drop_abandoned(conn, run_is_over)
    conn.execute(f"create or replace table {ref.sql} as {select_sql}", list(params))
    ((rows,),) = conn.execute(f"select count(*) from {ref.sql}").fetchall()
    columns = tuple(d[0] for d in conn.execute(f"select * from {ref.sql} limit 0").description)
    return Staged(asset, ref, rows, columns)


def drop_abandoned(
    conn: duckdb.DuckDBPyConnection, run_is_over: Callable[[str], bool], asset: str | None = None
) -> list[str]:
    """Drop the staged tables (and their helpers) left by runs that are over, of every asset
    or of one; returns their names.

    A run killed after its publish commit leaves them behind, and its rerun may never stage
    that asset again (the delivery is a duplicate), so cleaning up cannot wait for the asset.
    """
    found = conn.execute(
        "select table_name, table_type from information_schema.tables "
        "where table_schema = ? and starts_with(table_name, ?) and contains(table_name, ?)",
        [AUDIT_SCHEMA, f"{asset}{_RUN}" if asset else "", _RUN],
    ).fetchall()
    dropped = []
    for name, kind in sorted(found):
        run_id = name.rpartition(_RUN)[2].split("__")[0]
        if run_is_over(run_id):
            what = "view" if kind == "VIEW" else "table"
            conn.execute(f"drop {what} if exists {TableRef(name, AUDIT_SCHEMA).sql}")
            dropped.append(name)
    return dropped


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


@dataclass(frozen=True)
class Decision:
    status: str
    reason: str


def decide(
    failed_errors: Sequence[str],
    row_level: set[str],
    failing_rows: int,
    staged_rows: int,
    max_share: float | None,
) -> Decision:
    """Publish, quarantine or hold, from the ERROR checks that failed on the staged rows."""
    if not failed_errors:
        return Decision(PUBLISHED, "no ERROR check failed")
    whole_table = [c for c in failed_errors if c not in row_level]
    if whole_table:
        return Decision(HELD, f"{', '.join(whole_table)} failed (a statement about all rows)")
    share = failing_rows / staged_rows if staged_rows else 1.0
    said = f"{failing_rows} of {staged_rows} rows ({share:.2%}) failed {', '.join(failed_errors)}"
    if max_share is None:
        return Decision(HELD, f"{said}; this asset has no quarantine (several sources)")
    if share <= max_share:
        return Decision(PARTIAL, f"{said}: quarantined, at most the {max_share:.2%} allowed")
    return Decision(HELD, f"{said}: more than the {max_share:.2%} the contract allows")


@dataclass(frozen=True)
class Plan:
    """What the audit says to do, before anything is published."""

    decision: Decision
    failing_rows: int
    by_check: dict[str, int]  # failing rows per row-level check that is quarantined


def _failing_table(staged: Staged) -> str:
    """The staged rows that fail row-level checks (by rowid: staged tables never change)."""
    return TableRef(f"{staged.ref.table}__failing", AUDIT_SCHEMA).sql


def _remaining(staged: Staged) -> TableRef:
    """The staged rows a partial publication would publish."""
    return TableRef(f"{staged.ref.table}__remaining", AUDIT_SCHEMA)


def _mark_failing_rows(
    conn: duckdb.DuckDBPyConnection, staged: Staged, conditions: dict[str, str]
) -> dict[str, int]:
    """Record each staged row that fails a row-level check, with the checks it fails."""
    labels = ", ".join(
        f"case when {cond} then {sql_literal(name)} end" for name, cond in conditions.items()
    )
    where = " or ".join(f"({cond})" for cond in conditions.values()) or "false"
    conn.execute(
        f"""create or replace table {_failing_table(staged)} as
            select rowid as row_no,
                   list_filter([{labels or "null"}], lambda x: x is not null) as checks
            from {staged.sql} where {where}"""
    )
    counts = conn.execute(
        "select check_name, count(*) from "
        f"(select unnest(checks) as check_name from {_failing_table(staged)}) group by all"
    ).fetchall()
    return dict(counts)


def plan_publication(
    conn: duckdb.DuckDBPyConnection,
    staged: Staged,
    outcomes: Sequence[CheckOutcome],
    suite: SuiteSpec | None,
    max_share: float | None,
) -> Plan:
    """Find the rows each failed row-level ERROR check fails, and decide.

    A check is quarantined row by row only if its SQL condition finds exactly the rows GX
    counted; otherwise (a regex DuckDB reads differently, an odd value set) it is treated as a
    statement about the whole table, and the delivery is held rather than half-cleaned.
    """
    specs = {e.check_name: e for e in suite.expectations} if suite else {}
    failed = [o for o in outcomes if not o.passed and o.severity == "ERROR"]
    conditions = {
        o.check_name: cond
        for o in failed
        if o.check_name in specs
        and (cond := unexpected_rows(specs[o.check_name], staged.sql)) is not None
    }
    by_check = _mark_failing_rows(conn, staged, conditions)
    agreed = {
        o.check_name
        for o in failed
        if o.check_name in conditions and by_check.get(o.check_name, 0) == o.unexpected_count
    }
    if agreed != set(conditions):
        conditions = {name: cond for name, cond in conditions.items() if name in agreed}
        by_check = _mark_failing_rows(conn, staged, conditions)
    ((failing,),) = conn.execute(f"select count(*) from {_failing_table(staged)}").fetchall()
    names = tuple(o.check_name for o in failed)
    decision = decide(names, set(conditions), failing, staged.rows, max_share)
    return Plan(decision, failing, by_check)


def _recheck_remaining_rows(
    warehouse: DuckDBWarehouse, staged: Staged, suite: SuiteSpec | None, plan: Plan
) -> tuple[Plan, list[CheckOutcome]]:
    """Whole-table ERROR checks passed on every staged row; they must also pass on the rows
    that would be published once the failing ones are quarantined (a row count may not)."""
    whole = tuple(
        e for e in (suite.expectations if suite else ()) if e.severity == "ERROR"
        and unexpected_rows(e, staged.sql) is None
    )  # fmt: skip
    if plan.decision.status != PARTIAL or not whole:
        return plan, []
    remaining = _remaining(staged)
    with warehouse.connect() as conn:
        conn.execute(
            f"create or replace view {remaining.sql} as select * from {staged.sql} "
            f"where rowid not in (select row_no from {_failing_table(staged)})"
        )
    subset = replace(suite, expectations=whole)
    rechecked = validate_table(subset, warehouse, remaining.table, remaining.schema)
    broken = [o.check_name for o in rechecked if not o.passed]
    if not broken:
        return plan, []
    kept = plan.failing_rows
    reason = (
        f"{', '.join(broken)} failed on the {staged.rows - kept} rows left after quarantining "
        f"{kept} ({plan.decision.reason})"
    )
    return replace(plan, decision=Decision(HELD, reason)), rechecked


def _lineage(staged: Staged, column: str) -> str:
    return f"s.{quote_identifier(column)}" if column in staged.columns else "null"


def _supersede(conn: duckdb.DuckDBPyConnection, staged: Staged, run_id: str) -> None:
    """A new decision on a delivery takes over from earlier ones: rows those quarantined are
    marked released (a replay after a fix, or a re-run, decides again; nothing is deleted)."""
    if "_delivery_date" not in staged.columns:
        return
    conn.execute(
        f"""update dq_quarantine set released_at = now(), released_by_run = ?
            where asset = ? and released_at is null and run_id <> ?
              and delivery_date in (select distinct _delivery_date from {staged.sql})""",
        [run_id, staged.asset, run_id],
    )


def _quarantine(
    conn: duckdb.DuckDBPyConnection, staged: Staged, run_id: str, reason: str, everything: bool
) -> int:
    """Copy failing rows (or, when held, all rows) to dq_quarantine, with what they failed.

    Sensitive columns (see masking.py) are stored masked, not encrypted: dq_quarantine is read
    to see why rows failed and how many, by people who may not see personal data, and the
    delivered bytes stay whole in the archive for a replay after a fix, so nothing is lost.
    Encryption would need a key to manage, rotate and keep from those same readers, for no
    value the archive does not already keep.
    """
    join = "left join" if everything else "join"
    sensitive = sensitive_columns(load_project(), staged.asset)
    row_data = row_json_sql("s", staged.columns, sensitive)
    conn.execute(
        f"""insert into dq_quarantine
            select ?, {_lineage(staged, "_load_id")}, {_lineage(staged, "_delivery_date")},
                   s.rowid, coalesce(f.checks, [{sql_literal(HELD_CHECK)}]), ?, {row_data}, ?,
                   now(), null, null
            from {staged.sql} s {join} {_failing_table(staged)} f on s.rowid = f.row_no""",
        [staged.asset, reason, run_id],
    )
    ((moved,),) = conn.execute(
        "select count(*) from dq_quarantine where asset = ? and run_id = ?",
        [staged.asset, run_id],
    ).fetchall()
    return moved


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
        published = 0
        target = quote_identifier(staged.asset)
        if decision.status != HELD:
            conn.execute(
                f"create or replace table {target} as select * from {staged.sql} "
                f"where rowid not in (select row_no from {_failing_table(staged)})"
            )
            ((published,),) = conn.execute(f"select count(*) from {target}").fetchall()
            table_rows = published
        else:  # the previous version stays, if there is one
            ((table_rows,),) = (
                conn.execute(f"select count(*) from {target}").fetchall()
                if table_exists(conn, staged.asset)
                else [(0,)]
            )
        quarantined = 0
        if max_share is not None:
            _supersede(conn, staged, run_id)
            if plan.failing_rows or decision.status == HELD:
                everything = decision.status == HELD
                quarantined = _quarantine(conn, staged, run_id, decision.reason, everything)
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
        conn.execute(
            "insert into dq_publications values (?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
            [
                staged.asset,
                run_id,
                publication.status,
                staged.rows,
                published,
                quarantined,
                publication.failing_share,
                max_share,
                decision.reason,
            ],
        )
        if on_publish is not None:
            on_publish(conn, publication)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return publication


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


# Checks an asset computes itself on a table (given as SQL), beside its GX suite.
TableChecks = Callable[[duckdb.DuckDBPyConnection, str], list[CheckOutcome]]


def require_published(warehouse: DuckDBWarehouse, asset: str) -> None:
    """Checks run on their own read the published table; say so if there is none yet."""
    if not warehouse.table_exists(asset):
        raise NothingPublishedError(
            f"{asset} has never been published: materialize it before running its checks alone"
        )


class NothingPublishedError(RuntimeError):
    """Checks were run on their own for an asset that has no published version."""


def nothing_published(asset: str, checks: Iterable[DeclaredCheck]) -> list[CheckOutcome]:
    """Outcomes for an asset that has never published a version: nothing to check is a fail."""
    return [
        CheckOutcome(
            check_name=c.name,
            passed=False,
            severity=c.severity,
            description=f"{asset} has never been published: there is nothing to check yet",
        )
        for c in checks
        if c.asset == asset
    ]


def audit(
    warehouse: DuckDBWarehouse,
    suite: SuiteSpec | None,
    table: TableRef,
    table_checks: TableChecks | None = None,
) -> list[CheckOutcome]:
    """Every check of an asset on one copy of its table: staged, or published."""
    outcomes: list[CheckOutcome] = []
    if table_checks is not None:
        with warehouse.connect() as conn:
            outcomes += table_checks(conn, table.sql)
    if suite is not None:
        outcomes += validate_table(suite, warehouse, table.table, table.schema)
    return outcomes


def audit_and_publish(
    warehouse: DuckDBWarehouse,
    staged: Staged,
    suite: SuiteSpec | None,
    max_share: float | None,
    run_id: str,
    table_checks: TableChecks | None = None,
    on_publish: Callable[[duckdb.DuckDBPyConnection, Publication], None] | None = None,
) -> tuple[list[CheckOutcome], Publication]:
    """Audit a staged table, publish what passes, and report each check as published.

    The staged table and its helpers are dropped whatever happens.
    """
    try:
        outcomes = audit(warehouse, suite, staged.ref, table_checks)
        with warehouse.connect() as conn:
            plan = plan_publication(conn, staged, outcomes, suite, max_share)
        plan, rechecked = _recheck_remaining_rows(warehouse, staged, suite, plan)
        with warehouse.connect() as conn:
            publication = apply_publication(conn, staged, plan, max_share, run_id, on_publish)
    finally:
        with warehouse.connect() as conn:
            conn.execute(f"drop view if exists {_remaining(staged).sql}")
            conn.execute(f"drop table if exists {_failing_table(staged)}")
            conn.execute(f"drop table if exists {staged.sql}")
    replaced = {o.check_name: o for o in rechecked}
    outcomes = [replaced.get(o.check_name, o) for o in outcomes]
    return as_reported(outcomes, publication), publication
