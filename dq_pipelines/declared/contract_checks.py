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
- OWN: an asset check of its own, reading the pipeline's records (delivery_accepted,
  delivery_is_current).
- DAGSTER: built by Dagster (`dg.build_column_schema_change_checks`).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

import dagster as dg

from dq_pipelines.declared.contracts import ColumnSpec, SourceContract

AUDIT, OWN, DAGSTER = "audit", "own", "dagster"
# The checks every raw asset gets from its contract: freshness, and that its newest delivery
# could be parsed at all.
FRESHNESS_CHECK = "delivery_is_current"
ACCEPTANCE_CHECK = "delivery_accepted"
SCHEMA_CHANGE_SEVERITY = "WARN"


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
    # Format drift is a diagnosis; the staging not-null expectation on the parsed column blocks.
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


# The registry: add a kind here (and, if it runs in the audit, its computation in checks/).
KINDS: tuple[Callable[[SourceContract], Iterator[ContractCheck]], ...] = (
    _freshness,
    _acceptance,
    _schema_change,
    _formats,
    _ages,
)


def contract_checks(contract: SourceContract, runs: str | None = None) -> list[ContractCheck]:
    """Every check the contract implies (only those that run `runs`, if given), in KINDS order."""
    return [c for kind in KINDS for c in kind(contract) if runs is None or c.runs == runs]


def contract_check(contract: SourceContract, name: str) -> ContractCheck:
    """One of the contract's checks, by name."""
    (check,) = [c for c in contract_checks(contract) if c.name == name]
    return check
