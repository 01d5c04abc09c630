"""Deciding a publication: published, partial (failing rows quarantined) or held.

From the ERROR checks that failed on the staged rows: whole-table failures hold the delivery;
row-level ones quarantine the rows they find, within the share the source's contract allows.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import duckdb

from dq_pipelines.checks.gx_runner import CheckOutcome, validate_table
from dq_pipelines.checks.row_conditions import sql_literal, unexpected_rows
from dq_pipelines.declared.suites import ExpectationSpec, SuiteSpec
from dq_pipelines.storage import sql
from dq_pipelines.storage.warehouse import DuckDBWarehouse
from dq_pipelines.wap.stage import Staged

PUBLISHED, PARTIAL, HELD = "published", "partial", "held"


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
    if whole_table:  # held whatever the rows say; the failing rows are named too
        rows = [c for c in failed_errors if c in row_level]
        also = f"; {failing_rows} of {staged_rows} rows failed {', '.join(rows)}" if rows else ""
        return Decision(HELD, f"{', '.join(whole_table)} failed (a statement about all rows){also}")
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
    # Failed checks whose failing-row condition DuckDB could not evaluate, with its error.
    unevaluable: dict[str, str] = field(default_factory=dict)


def _mark_failing_rows(
    conn: duckdb.DuckDBPyConnection, staged: Staged, conditions: dict[str, str]
) -> dict[str, int]:
    """Record each staged row that fails a row-level check, with the checks it fails."""
    checks = sql.labels_where(conditions, {name: sql_literal(name) for name in conditions})
    where = " or ".join(f"({cond})" for cond in conditions.values()) or "false"
    conn.execute(
        f"""create or replace table {staged.failing.sql} as
            select {sql.row_position()} as row_no, {checks} as checks
            from {staged.sql} where {where}"""
    )
    counts = conn.execute(
        "select check_name, count(*) from "
        f"(select {sql.unnest('checks')} as check_name from {staged.failing.sql}) "
        "group by check_name"
    ).fetchall()
    return dict(counts)


def _count_each(
    conn: duckdb.DuckDBPyConnection, staged: Staged, conditions: dict[str, str]
) -> tuple[dict[str, int], dict[str, str]]:
    """Rows each condition finds; a condition DuckDB cannot evaluate (e.g. a bound of another
    type than the column) is reported with its error instead of failing the step."""
    counts, errors = {}, {}
    for name, cond in conditions.items():
        try:
            ((counts[name],),) = conn.execute(
                f"select count(*) from {staged.sql} where {cond}"
            ).fetchall()
        except duckdb.Error as e:
            errors[name] = str(e).strip().splitlines()[0]
    return counts, errors


def _suite_condition(specs: Mapping[str, ExpectationSpec], name: str, staged: Staged) -> str | None:
    spec = specs.get(name)
    return unexpected_rows(spec, staged.sql) if spec is not None else None


def unevaluable_noted(outcomes: Sequence[CheckOutcome], plan: Plan) -> list[CheckOutcome]:
    """The outcomes whose failing rows could not be found, saying why (the check fails with
    the error; the delivery was held, not the step crashed)."""
    return [
        replace(
            o,
            error=o.error or plan.unevaluable[o.check_name],
            description=f"{o.description} Its failing rows could not be found in SQL "
            f"({plan.unevaluable[o.check_name]}), so it holds the whole delivery.".strip(),
        )
        for o in outcomes
        if o.check_name in plan.unevaluable
    ]


def plan_publication(
    conn: duckdb.DuckDBPyConnection,
    staged: Staged,
    outcomes: Sequence[CheckOutcome],
    suite: SuiteSpec | None,
    max_share: float | None,
    row_conditions: Mapping[str, str] | None = None,
) -> Plan:
    """Find the rows each failed row-level ERROR check fails, and decide.

    `row_conditions` are the failing-row conditions of the asset's other row-level checks
    (those its contract implies). A check is quarantined row by row only if its SQL condition
    finds exactly the rows it counted; otherwise (a regex DuckDB reads differently, an odd
    value set, a condition DuckDB cannot evaluate) it is treated as a statement about the
    whole table, and the delivery is held rather than half-cleaned.
    """
    specs = {e.check_name: e for e in suite.expectations} if suite else {}
    failed = [o for o in outcomes if not o.passed and o.severity == "ERROR"]
    known = dict(row_conditions or {})
    conditions = {
        o.check_name: cond
        for o in failed
        if (cond := known.get(o.check_name) or _suite_condition(specs, o.check_name, staged))
    }
    counts, unevaluable = _count_each(conn, staged, conditions)
    agreed = {
        o.check_name: conditions[o.check_name]
        for o in failed
        if o.check_name in counts and counts[o.check_name] == o.unexpected_count
    }
    by_check = _mark_failing_rows(conn, staged, agreed)
    ((failing,),) = conn.execute(f"select count(*) from {staged.failing.sql}").fetchall()
    names = tuple(o.check_name for o in failed)
    decision = decide(names, set(agreed), failing, staged.rows, max_share)
    return Plan(decision, failing, by_check, unevaluable)


def checks_to_recheck(
    staged: Staged, suite: SuiteSpec | None, plan: Plan
) -> tuple[ExpectationSpec, ...]:
    """Whole-table ERROR checks passed on every staged row; a partial publication must pass
    them again on the rows it would publish (a row count may not)."""
    if plan.decision.status != PARTIAL or suite is None:
        return ()
    return tuple(
        e for e in suite.expectations
        if e.severity == "ERROR" and unexpected_rows(e, staged.sql) is None
    )  # fmt: skip


def select_remaining(conn: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    """The view of the staged rows a partial publication would publish, for the recheck."""
    conn.execute(
        f"create or replace view {staged.remaining.sql} as select * from {staged.sql} "
        f"where {sql.row_position()} not in (select row_no from {staged.failing.sql})"
    )


def recheck_remaining_rows(
    warehouse: DuckDBWarehouse,
    staged: Staged,
    suite: SuiteSpec,
    plan: Plan,
    checks: tuple[ExpectationSpec, ...],
) -> tuple[Plan, list[CheckOutcome]]:
    """Validate `checks` on the remaining rows (`select_remaining`); hold if one fails.

    GX opens its own connection: no other may be open in this process meanwhile.
    """
    remaining = staged.remaining
    subset = replace(suite, expectations=checks)
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
