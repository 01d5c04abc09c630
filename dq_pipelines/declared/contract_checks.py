"""The checks a source's contract implies: ONE registry of their names, severities and texts.

Each kind below turns a contract into its checks (`ContractCheck`: asset, name, severity,
description, and where it runs). Everything else reads this list: the raw assets' check specs
(defs/ingest), the project's catalogue of checks (`Project.checks`, read by the alert sensor and
the training gate) and the computation. The split follows the import direction: declared/ may not
import checks/, so the declarative half lives here and checks/contract_checks.py holds the
computation of each kind that runs in the delivery audit, keyed by `kind`
(tests/unit/test_contract_checks.py fails if a kind has no computation).

Where a check runs (`runs`):
- AUDIT: computed on each staged delivery before it is published, and on the published table
  when checks run on their own; a check spec of the raw asset.
- OWN: reading the pipeline's records, not a table (delivery_accepted, delivery_is_current);
  a check spec of the raw asset too, computed in its step after the write, so a refused or
  late delivery stops what is built from it in the same step (wap/blocked.py).
- DAGSTER: built by Dagster (`dg.build_column_schema_change_checks`).

Row-level kinds (`ROW_LEVEL`: required, primary key, type, values, min/max, pattern) judge
each delivered row like a suite's row-level expectation: their failing rows are quarantined, or
the delivery held, per the contract's `quarantine.max_share`. Their severity is the column's
`severity` (default ERROR; the primary key's is ERROR). Their names use the column's stem
(names.column_stems), their descriptions its name as written.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

import dagster as dg

from dq_pipelines.declared.contracts import ColumnSpec, SourceContract
from dq_pipelines.declared.typed_columns import is_text

AUDIT, OWN, DAGSTER = "audit", "own", "dagster"
# The checks every raw asset gets from its contract: freshness, and that its newest delivery
# could be parsed at all.
FRESHNESS_CHECK = "delivery_is_current"
ACCEPTANCE_CHECK = "delivery_accepted"
SCHEMA_CHANGE_SEVERITY = "WARN"
KEY_SEVERITY = "ERROR"  # of the primary-key check (a column check has its column's)
# The kinds whose failing rows the audit finds one by one (checks/contract_rows.py).
NOT_NULL, UNIQUE, TYPE = "not_null", "unique", "type"
IN_SET, BETWEEN, PATTERN = "in_set", "between", "pattern"
NEW_KEY = "new_key"  # an append source's row whose key an earlier delivery date published
ROW_LEVEL = frozenset({NOT_NULL, UNIQUE, TYPE, IN_SET, BETWEEN, PATTERN, NEW_KEY})


@dataclass(frozen=True)
class ContractCheck:
    asset: str
    name: str
    kind: str  # which computation (checks/contract_checks.py) or builder produces it
    severity: str
    description: str
    runs: str  # AUDIT, OWN or DAGSTER
    column: ColumnSpec | None = None


@cache
def schema_change_check_name() -> str:
    """The name Dagster's schema-change builder gives its check (read from it, not copied)."""
    (checks,) = dg.build_column_schema_change_checks(assets=["any_asset"])
    (key,) = checks.check_keys
    return key.name


def _freshness(contract: SourceContract) -> Iterator[ContractCheck]:
    lag = contract.freshness.max_delivery_lag_days
    yield ContractCheck(
        contract.raw_table,
        FRESHNESS_CHECK,
        "freshness",
        contract.freshness.severity,
        f"The loaded '{contract.name}' delivery is at most {lag} day(s) older than the newest "
        "delivery of any source (a late delivery fails).",
        OWN,
    )


def _acceptance(contract: SourceContract) -> Iterator[ContractCheck]:
    yield ContractCheck(
        contract.raw_table,
        ACCEPTANCE_CHECK,
        "acceptance",
        "ERROR",
        f"The newest '{contract.name}' delivery could be parsed as its contract says.",
        OWN,
    )


def _schema_change(contract: SourceContract) -> Iterator[ContractCheck]:
    yield ContractCheck(
        contract.raw_table,
        schema_change_check_name(),
        "schema_change",
        SCHEMA_CHANGE_SEVERITY,
        "The delivered columns are those of the previous delivery (Dagster's check).",
        DAGSTER,
    )


def _formats(contract: SourceContract) -> Iterator[ContractCheck]:
    # Format drift is a diagnosis; the type check on the same column blocks.
    for col in contract.formatted_columns:
        yield ContractCheck(
            contract.raw_table,
            f"{col.stem}__format",
            "format",
            "WARN",
            f"'{col.name}' values are in a format the contract accepts "
            f"({', '.join(col.formats)}); a change is diagnosed, not just failed.",
            AUDIT,
            col,
        )


def _ages(contract: SourceContract) -> Iterator[ContractCheck]:
    # Data-level freshness informs; a late delivery (delivery_is_current) is what blocks.
    for col in contract.columns:
        if col.max_age_days is not None:
            yield ContractCheck(
                contract.raw_table,
                f"{col.stem}__age",
                "age",
                "WARN",
                f"The newest '{col.name}' is at most {col.max_age_days} day(s) older than the "
                "delivery: the data itself is fresh, not only the file.",
                AUDIT,
                col,
            )


def _required(contract: SourceContract) -> Iterator[ContractCheck]:
    for col in contract.columns:
        if col.required:
            yield ContractCheck(
                contract.raw_table,
                f"{col.stem}__not_null",
                NOT_NULL,
                col.severity,
                f"Every delivered row has a value in '{col.name}' (the contract says required: "
                "true).",
                AUDIT,
                col,
            )


def _key_check(
    contract: SourceContract, key: tuple[str, ...], suffix: str, compound: str, kind: str, says: str
) -> ContractCheck:
    """A check on a (compound) key: named for its column when it has one, else `compound`."""
    column = next(c for c in contract.columns if c.name == key[0]) if len(key) == 1 else None
    name = f"{column.stem}__{suffix}" if column else f"{compound}__{suffix}"
    return ContractCheck(contract.raw_table, name, kind, KEY_SEVERITY, says, AUDIT, column)


def _primary_key(contract: SourceContract) -> Iterator[ContractCheck]:
    key = contract.primary_key
    if key:
        yield _key_check(
            contract, key, "unique", "primary_key", UNIQUE,
            f"No two delivered rows share a primary key ({', '.join(key)}); rows with a "
            "missing key part are not compared.",
        )  # fmt: skip


def _append_key(contract: SourceContract) -> Iterator[ContractCheck]:
    key = contract.key
    if contract.mode == "append":
        yield _key_check(
            contract, key, "new", "key", NEW_KEY,
            f"Each delivered row is new: no earlier delivery date published its key "
            f"({', '.join(key)}). A corrected re-delivery of a date replaces that date's rows.",
        )  # fmt: skip


def _types(contract: SourceContract) -> Iterator[ContractCheck]:
    for col in contract.columns:
        if not is_text(col):
            accepted = f" in format {' or '.join(col.formats)}" if col.formats else ""
            yield ContractCheck(
                contract.raw_table,
                f"{col.stem}__type",
                TYPE,
                col.severity,
                f"Every delivered '{col.name}' value is of type {col.type.lower()}{accepted} (the "
                "contract's type); a value that does not cast is a failing row, kept as "
                "delivered.",
                AUDIT,
                col,
            )


def _column_check(
    contract: SourceContract, col: ColumnSpec, suffix: str, kind: str, says: str
) -> ContractCheck:
    return ContractCheck(
        contract.raw_table, f"{col.stem}__{suffix}", kind, col.severity, says, AUDIT, col
    )


def _values(contract: SourceContract) -> Iterator[ContractCheck]:
    for col in contract.columns:
        if col.values is not None:
            listed = ", ".join(map(repr, col.values))
            yield _column_check(
                contract, col, "in_set", IN_SET, f"'{col.name}' is one of {listed} (or missing)."
            )


def _bounds(contract: SourceContract) -> Iterator[ContractCheck]:
    for col in contract.columns:
        if col.min is not None or col.max is not None:
            said = " and ".join(
                [f"at least {col.min}"] * (col.min is not None)
                + [f"at most {col.max}"] * (col.max is not None)
            )
            yield _column_check(
                contract, col, "between", BETWEEN, f"'{col.name}' is {said} (or missing)."
            )


def _patterns(contract: SourceContract) -> Iterator[ContractCheck]:
    for col in contract.columns:
        if col.pattern is not None:
            yield _column_check(
                contract, col, "match_regex", PATTERN,
                f"'{col.name}' matches the pattern {col.pattern!r} (or is missing).",
            )  # fmt: skip


# The registry: add a kind here (and, if it runs in the audit, its computation in checks/).
KINDS: tuple[Callable[[SourceContract], Iterator[ContractCheck]], ...] = (
    _freshness,
    _acceptance,
    _schema_change,
    _formats,
    _ages,
    _required,
    _primary_key,
    _append_key,
    _types,
    _values,
    _bounds,
    _patterns,
)


def contract_checks(contract: SourceContract, runs: str | None = None) -> list[ContractCheck]:
    """Every check the contract implies (only those that run `runs`, if given), in KINDS order."""
    return [c for kind in KINDS for c in kind(contract) if runs is None or c.runs == runs]


def contract_check(contract: SourceContract, name: str) -> ContractCheck:
    """One of the contract's checks, by name."""
    (check,) = [c for c in contract_checks(contract) if c.name == name]
    return check
