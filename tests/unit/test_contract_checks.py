"""The contract-derived checks are declared once and every reader agrees with the registry."""

import dagster as dg

from dq_pipelines.checks.contract_checks import AUDIT_COMPUTATIONS
from dq_pipelines.declared.contract_checks import (
    ACCEPTANCE_CHECK,
    AUDIT,
    DAGSTER,
    FRESHNESS_CHECK,
    OWN,
    ROW_LEVEL,
    contract_checks,
    schema_change_check_name,
)
from dq_pipelines.declared.contracts import parse_contract
from dq_pipelines.declared.project import DeclaredCheck, load_project

CONTRACT = """
name: things
path_pattern: "things/{delivery_date}/things*.csv"
primary_key: [id]
freshness: {max_delivery_lag_days: 2, severity: error}
columns:
  id: {type: varchar, required: true, pattern: "^[a-z]+$"}
  born: {type: date, formats: [yyyy-mm-dd], min: 1900-01-01}
  seen: {type: date, formats: [dd/mm/yyyy], max_age_days: 7}
  Size (cm): {type: integer, values: [1, 2, 3], max: 3, severity: warn}
"""


def test_a_contract_implies_its_checks_named_from_its_columns(tmp_path):
    path = tmp_path / "things.yaml"
    path.write_text(CONTRACT)
    checks = contract_checks(parse_contract(path))
    assert [(c.name, c.severity, c.runs) for c in checks] == [
        (FRESHNESS_CHECK, "ERROR", OWN),  # the contract's freshness severity
        (ACCEPTANCE_CHECK, "ERROR", OWN),
        ("column_schema_change", "WARN", DAGSTER),
        ("born__format", "WARN", AUDIT),
        ("seen__format", "WARN", AUDIT),
        ("seen__age", "WARN", AUDIT),
        ("id__not_null", "ERROR", AUDIT),  # required: true
        ("id__unique", "ERROR", AUDIT),  # primary_key: [id]
        ("born__type", "ERROR", AUDIT),  # a declared type other than text
        ("seen__type", "ERROR", AUDIT),
        ("size_cm__type", "WARN", AUDIT),  # the column's severity; named by its stem
        ("size_cm__in_set", "WARN", AUDIT),  # values
        ("born__between", "ERROR", AUDIT),  # min
        ("size_cm__between", "WARN", AUDIT),  # max
        ("id__match_regex", "ERROR", AUDIT),  # pattern
    ]
    assert {c.asset for c in checks} == {"raw_things"}
    assert [c.column.name for c in checks if c.runs == AUDIT] == [
        "born", "seen", "seen", "id", "id", "born", "seen", "Size (cm)", "Size (cm)", "born",
        "Size (cm)", "id",
    ]  # fmt: skip


def test_the_schema_change_check_is_named_as_dagster_builds_it():
    (built,) = dg.build_column_schema_change_checks(assets=["raw_x"])
    assert {k.name for k in built.check_keys} == {schema_change_check_name()}


def test_every_kind_has_its_computation_and_nothing_else_does(tmp_path):
    path = tmp_path / "things.yaml"
    path.write_text(CONTRACT)  # declares the keys the project's contracts do not use
    contracts = [*load_project().contracts.values(), parse_contract(path)]
    kinds = {
        runs: {c.kind for s in contracts for c in contract_checks(s) if c.runs == runs}
        for runs in (AUDIT, DAGSTER)
    }
    assert kinds[AUDIT] == set(AUDIT_COMPUTATIONS)
    assert kinds[AUDIT] >= ROW_LEVEL
    # The one Dagster-defined kind, computed in the raw asset's step (defs/ingest/assets.py).
    assert kinds[DAGSTER] == {"schema_change"}


def test_the_project_catalogue_lists_the_registry_checks():
    project = load_project()
    declared = set(project.checks)
    for contract in project.contracts.values():
        for c in contract_checks(contract):
            assert DeclaredCheck(c.asset, c.name, c.severity) in declared


def test_no_suite_check_repeats_or_collides_with_a_contract_check():
    """Suites say what a contract cannot: a suite check named like a contract check of the
    same asset would be a second Dagster check of one name."""
    project = load_project()
    for contract in project.contracts.values():
        suite = project.suites.get(contract.raw_table)
        named = {e.check_name for e in suite.expectations} if suite else set()
        assert named.isdisjoint({c.name for c in contract_checks(contract)}), contract.name
