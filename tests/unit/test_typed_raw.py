"""Typed raw tables, the checks a contract implies, and quarantine showing delivered text
(issue 10, findings 1, 2 and 7), on a small DuckDB file: no pipeline run."""

from datetime import date

import pytest

from dq_pipelines.checks.contract_checks import delivery_outcomes
from dq_pipelines.checks.contract_rows import row_conditions
from dq_pipelines.checks.dagster_results import to_check_result
from dq_pipelines.declared.contract_checks import AUDIT, ROW_LEVEL, contract_checks
from dq_pipelines.declared.contracts import parse_contract
from dq_pipelines.landing.archive import ArchivedFile
from dq_pipelines.landing.ingest import _stage_rows
from dq_pipelines.storage.warehouse import DuckDBWarehouse
from dq_pipelines.wap.publish import audit_and_publish

CONTRACT = """
name: things
path_pattern: "things/{delivery_date}/things*.csv"
primary_key: [id, part]
quarantine: {max_share: 0.9}
columns:
  id: {type: varchar, required: true}
  part: {type: integer, required: true}
  speed: {type: double}
  day: {type: date, formats: [yyyy-mm-dd]}
  note: {type: varchar}
"""
CSV = """id,part,speed,day,note
a,1,2.5,2026-01-02,ok
a,1,2.0 m/s,2026-01-03,
b,x,,2026/01/04,n
,2,3,2026-01-05,m
c,3,4,2026-01-06,fine
"""


@pytest.fixture
def staged(tmp_path):
    (tmp_path / "things.yaml").write_text(CONTRACT)
    contract = parse_contract(tmp_path / "things.yaml")
    delivered = tmp_path / "things.csv"
    delivered.write_text(CSV)
    archived = ArchivedFile("things", "h1", "things.csv", delivered, delivered.stat().st_size)
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    with warehouse.connect() as conn:
        staged = _stage_rows(conn, contract, date(2026, 1, 7), (archived,), "L1", "run-1", None)
    return warehouse, contract, staged


def test_raw_columns_carry_their_declared_types_and_the_delivered_text(staged):
    warehouse, _, table = staged
    types = dict(warehouse.query(f"describe {table.sql}")[["column_name", "column_type"]].values)
    assert {k: types[k] for k in ("id", "part", "speed", "day", "note")} == {
        "id": "VARCHAR", "part": "INTEGER", "speed": "DOUBLE", "day": "DATE", "note": "VARCHAR",
    }  # fmt: skip
    assert not any(c.endswith("__parsed") for c in types)
    rows = warehouse.query(
        f"select speed, day, _delivered.speed as text from {table.sql} order by rowid"
    )
    assert rows["speed"].isna().tolist() == [False, True, True, False, False]
    assert rows["text"].tolist()[:3] == ["2.5", "2.0 m/s", None]  # empty field: missing
    assert rows["day"].isna().tolist() == [False, False, True, False, False]
    assert table.delivered == ("id", "part", "speed", "day", "note")


def test_the_contract_implies_not_null_unique_and_type_checks(tmp_path):
    (tmp_path / "things.yaml").write_text(CONTRACT)
    checks = contract_checks(parse_contract(tmp_path / "things.yaml"), runs=AUDIT)
    names = [(c.name, c.kind, c.severity) for c in checks if c.kind in ROW_LEVEL]
    assert names == [
        ("id__not_null", "not_null", "ERROR"),
        ("part__not_null", "not_null", "ERROR"),
        ("primary_key__unique", "unique", "ERROR"),
        ("part__type", "type", "ERROR"),
        ("speed__type", "type", "ERROR"),
        ("day__type", "type", "ERROR"),
    ]


def test_contract_checks_find_the_failing_rows_with_their_delivered_text(staged):
    warehouse, contract, table = staged
    with warehouse.connect() as conn:
        outcomes = {o.check_name: o for o in delivery_outcomes(conn, contract, table.sql, False)}
    failing = {name: o.unexpected_count for name, o in outcomes.items() if not o.passed}
    assert failing == {
        "id__not_null": 1,
        "primary_key__unique": 2,
        "part__type": 1,
        "speed__type": 1,  # "2.0 m/s" never silently becomes a null
        "day__type": 1,
        "day__format": 1,  # the diagnosis reads the delivered text too
    }
    assert outcomes["speed__type"].unexpected_sample == ["2.0 m/s"]
    assert outcomes["day__type"].unexpected_sample == ["2026/01/04"]
    assert outcomes["part__type"].unexpected_sample == ["x"]
    assert outcomes["primary_key__unique"].unexpected_sample == [["a", "1"]]
    assert "1 of 5 rows (20.00%) fail" in outcomes["speed__type"].description
    assert outcomes["part__not_null"].passed  # "x" was delivered: a type failure, not a null


def test_failing_rows_are_quarantined_as_delivered_and_the_rest_published(staged):
    warehouse, contract, table = staged
    _, publication = audit_and_publish(
        warehouse, table, None, contract.max_quarantine_share, "run-1",
        table_checks=lambda conn, t: delivery_outcomes(conn, contract, t, False),
        row_conditions=lambda t: row_conditions(contract, t),
    )  # fmt: skip
    assert (publication.status, publication.published_rows) == ("partial", 1)
    quarantined = warehouse.query(
        "select row_data->>'speed' as speed, row_data->>'part' as part, "
        "row_data->>'day' as day, failed_checks from dq_quarantine order by staged_row"
    )
    assert quarantined["speed"].tolist() == ["2.5", "2.0 m/s", None, "3"]
    assert quarantined["part"].tolist() == ["1", "1", "x", "2"]  # as delivered, not NULL
    assert quarantined["day"].tolist()[2] == "2026/01/04"
    assert [sorted(c) for c in quarantined["failed_checks"]] == [
        ["primary_key__unique"],
        ["primary_key__unique", "speed__type"],
        ["day__type", "part__type"],
        ["id__not_null"],
    ]
    published = warehouse.query("select id, speed from raw_things")
    assert published.values.tolist() == [["c", 4.0]]


def test_the_sample_of_delivered_text_is_masked_when_the_column_is_sensitive(staged):
    warehouse, contract, table = staged
    with warehouse.connect() as conn:
        (outcome,) = [
            o for o in delivery_outcomes(conn, contract, table.sql, False)
            if o.check_name == "speed__type"
        ]  # fmt: skip
    result = to_check_result(contract.raw_table, outcome, sensitive=frozenset({"speed"}))
    assert result.metadata["unexpected_sample"].value == '"2***(7)"'  # shown as text
    assert "2.0 m/s" not in str(result.metadata)


AWKWARD = """
name: awkward
path_pattern: "awkward/{delivery_date}/awkward*.csv"
primary_key: [Sample ID]
null_values: ["", "NA"]
quarantine: {max_share: 0.9}
columns:
  Sample ID: {type: varchar, required: true}
  Body Length (mm): {type: double, min: 0, max: 100}
  Kind: {type: varchar, values: [a, b], null_values: ["-"]}
  Code: {type: varchar, pattern: "^[A-Z]{2}$", severity: warn}
  Taken: {type: date, formats: ["%Y/%m/%d"], required: true}
"""
AWKWARD_CSV = """Sample ID,Body Length (mm),Kind,Code,Taken
s1,10.5,a,AB,2026/01/02
s2,NA,-,AB,NA
s3,150,c,abc,2026/01/03
s4,12 mm,b,CD,2026/13/40
"""


def test_missing_markers_values_bounds_and_patterns_on_awkward_column_names(tmp_path):
    """`NA` and `-` are missing, not values: a not-null check fails on them, a type check
    does not; values/min/max/pattern become checks named by each column's stem."""
    (tmp_path / "awkward.yaml").write_text(AWKWARD)
    contract = parse_contract(tmp_path / "awkward.yaml")
    delivered = tmp_path / "awkward.csv"
    delivered.write_text(AWKWARD_CSV)
    archived = ArchivedFile("awkward", "h2", "awkward.csv", delivered, delivered.stat().st_size)
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    with warehouse.connect() as conn:
        table = _stage_rows(conn, contract, date(2026, 1, 7), (archived,), "L1", "run-1", None)
        outcomes = {o.check_name: o for o in delivery_outcomes(conn, contract, table.sql, False)}
        typed = conn.execute(
            f'select "Body Length (mm)", "Kind", "Taken" from {table.sql} order by rowid'
        ).fetchall()
    assert typed[1] == (None, None, None)  # NA, - and NA: missing
    assert typed[0] == (10.5, "a", date(2026, 1, 2))  # a strftime pattern
    failing = {name: o.unexpected_sample for name, o in outcomes.items() if not o.passed}
    assert failing == {
        "body_length_mm__type": ["12 mm"],
        "body_length_mm__between": ["150"],  # NA is missing, not judged
        "kind__in_set": ["c"],
        "code__match_regex": ["abc"],
        "taken__not_null": ["NA"],
        "taken__type": ["2026/13/40"],
        "taken__format": [],  # the diagnosis: 2 of 3 values in the declared pattern
    }
    assert outcomes["code__match_regex"].severity == "WARN"
    assert "'Body Length (mm)'" in outcomes["body_length_mm__type"].description
