"""The SQL path and the pandas path must agree: same verdict, same numbers, same samples.

`validate_table` computes a suite inside DuckDB through GX's SQL engine (falling back to pandas
per expectation where GX has no DuckDB SQL); its pandas path (`_validate_pandas`) computes it
in pandas. A check must not pass or fail depending on which engine ran it, so every expectation
type the project's suites use is run here, through both, on one table full of edge values (nulls,
duplicates, boundaries, huge numbers, unicode, empty strings, dates, timestamps, booleans,
decimals).

All cases run as one suite per engine (GX costs ~0.1-0.5 s per validation, not per
expectation); each case is then compared as its own test. Adding an expectation type to a suite
file makes `test_every_expectation_type_in_the_suites_has_cases` demand cases for it here.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd
import pytest

from dq_pipelines.checks.gx_runner import (
    ENGINE_RE2,
    ENGINE_SQL,
    SAMPLE_SIZE,
    CheckOutcome,
    _validate_pandas,
    validate_table,
)
from dq_pipelines.checks.row_conditions import unexpected_rows
from dq_pipelines.declared.project import load_project
from dq_pipelines.declared.suites import ExpectationSpec, SuiteSpec
from dq_pipelines.storage.warehouse import DuckDBWarehouse

TABLE = "edge"
N_ROWS = 3000

# Every column is a function of the row number, so counts are reproducible. Edge values: nulls
# in most columns, exact boundaries (0.01 and 100000 in `amount`), 0, negatives, tiny and huge
# numbers, integers beyond float precision (2**53 + 1), a DECIMAL, accents, decomposed accents,
# CJK, emoji, empty and padded strings, far-away dates, nullable booleans and integers.
TABLE_SQL = f"""
create table {TABLE} as
select
  i::bigint as id,
  case when i % 500 = 7 then null else i % 2900 end::integer as dup_id,
  case when i = 10 then 11 when i = 20 then 21 else i end::integer as few_dups,
  case i % 100
    when 0 then null when 1 then 0.0 when 2 then -1.5 when 3 then 0.01 when 4 then 100000.0
    when 5 then 1e15 when 6 then -1e-9 else (i % 997) * 1.25 end::double as amount,
  case when i % 50 = 0 then null when i = 1 then 0 when i = 2 then -3.25 when i = 3 then 0.01
    when i = 4 then 99999.99 else (i % 613 + 1) / 4 end::decimal(10, 2) as price,
  case when i % 250 = 3 then null else i % 7 - 1 end::integer as qty,
  case when i % 333 = 0 then null when i = 1 then 9007199254740993
    when i = 2 then -9007199254740993 else i * 1000003 end::bigint as big,
  ['café', 'naïve', '東京タワー', '😀 emoji', '', 'plain', 'Ünïcödé', 'straße', null,
   '  padded  ', 'ÅLAND', 'e' || chr(769)][i % 12 + 1] as name,
  case when i % 97 = 0 then null when i % 89 = 0 then 'Chairs' when i % 83 = 0 then ''
    when i = 1234 then '椅子' else ['chairs', 'desks', 'lamps', 'sofas', 'beds', 'tables',
    'shelves', 'rugs'][i % 8 + 1] end as category,
  case when i % 97 = 0 and i % 2 = 0 then null when i % 101 = 0 then null
    when i % 13 = 0 then 'desks' when i % 89 = 0 then 'chairs'
    when i % 97 = 0 then 'lamps' else category end as label,
  case when i = 5 then 'AB-12345' when i = 6 then 'ab-1234' when i = 7 then ''
    when i = 8 then null when i = 9 then 'ÄB-1234'
    else 'AB-' || lpad((i % 10000)::varchar, 4, '0') end as code,
  case when i % 1000 = 400 then null when i = 1 then date '1970-01-01'
    when i = 2 then date '2200-12-31' when i = 3 then date '1900-01-01'
    else date '2024-01-01' + (i % 366)::integer end as event_date,
  case when i % 1000 = 1 then null
    else timestamp '2024-01-01 00:00:00' + to_minutes(i * 7) end as event_ts,
  case when i % 1000 = 0 then null else i % 3 = 0 end as flag,
  case when i % 700 = 5 then 2 when i % 900 = 5 then null else i % 2 end::integer as clicked,
  'item-' || (i // 3)::varchar as item_id,
  case when i % 600 = 1 then null when i % 450 = 2 then 'ann-0'
    else 'ann-' || (i % 3)::varchar end as annotator_id,
  case when i % 1000 = 0 then null else 2 + i % 3 end::integer as n_annotators,
  case when i % 800 = 0 then null else 0.5 + (i % 50) / 100.0 end::double as agreement
from range({N_ROWS}) t(i)
"""

CATEGORIES = ["chairs", "desks", "lamps", "sofas", "beds", "tables", "shelves", "rugs"]
NAMES = ["café", "naïve", "東京タワー", "😀 emoji", "", "plain", "Ünïcödé", "straße"]
NAMES += ["  padded  ", "ÅLAND", "e\u0301"]


# Known differences between the engines. Each case carrying one is xfail(strict=True): it shows
# in every run, and turns into a failure (XPASS) once the difference is fixed, so the mark goes.
BIGINT_BOUND = (
    "GX coerces integer bounds to float (9007199254740993 -> 9007199254740992.0); DuckDB then "
    "compares the BIGINT column as DOUBLE (2**53+1 <= 2**53 holds), while GX's pandas engine "
    "compares nullable Int64 values one by one as exact Python ints against the float bound"
)
DATE_BOUND = (
    "GX coerces a date-only string bound ('2024-01-01') to datetime.date; GX's pandas engine "
    "compares it with pd.Timestamp values and raises 'Cannot compare Timestamp with "
    "datetime.date' (for column_values_to_be_between the exception is nested per metric, so "
    "CheckOutcome.error stays None and the counts are None); DuckDB compares DATE with DATE"
)
COMPOUND_NULL = (
    "GX's SQL compound_columns.count joins rows to their group counts with '=', so a row with "
    "NULL in any listed column drops out and is never unexpected; pandas' duplicated() treats "
    "missing values as equal and flags rows duplicated on (NULL, value)"
)


@dataclass(frozen=True)
class Case:
    name: str
    kwargs: dict[str, Any]
    xfail: str | None = None  # a known engine difference: the test is xfail(strict) with this


def case(name: str, xfail: str | None = None, **kwargs: Any) -> Case:
    return Case(name, kwargs, xfail)


# expectation type -> cases. Each type has cases that pass and cases that fail, and `mostly`
# variants where the type takes `mostly` (test_cases_cover_pass_fail_and_mostly enforces it).
CASES: dict[str, list[Case]] = {
    "expect_table_row_count_to_be_between": [
        case("min_pass", min_value=100),
        case("exact_boundary", min_value=N_ROWS, max_value=N_ROWS),
        case("min_fail", min_value=N_ROWS + 1),
        case("max_fail", max_value=N_ROWS - 1),
        case("strict_boundary_fail", min_value=N_ROWS, strict_min=True),
    ],
    "expect_column_values_to_not_be_null": [
        case("no_nulls", column="id"),
        case("double_nulls", column="amount"),
        case("double_mostly_boundary", column="amount", mostly=0.99),
        case("double_mostly_fail", column="amount", mostly=0.995),
        case("unicode_empty_is_not_null", column="name"),
        case("unicode_mostly", column="name", mostly=0.9),
        case("one_null_sampled", column="code"),
        case("date", column="event_date"),
        case("timestamp", column="event_ts", mostly=0.99),
        case("boolean", column="flag"),
        case("nullable_int", column="clicked", mostly=0.999),
        case("decimal", column="price", mostly=0.95),
    ],
    "expect_column_values_to_match_regex": [
        case("few_mismatches", column="code", regex=r"^AB-\d{4}$"),
        case("mostly_pass", column="code", regex=r"^AB-\d{4}$", mostly=0.99),
        case("project_date_format", column="code", regex=r"^\d{2}/\d{2}/\d{4}$"),
        case("unicode_class", column="name", regex=r"^\w+$", mostly=0.5),
        case("cjk_and_emoji", column="name", regex="東京|😀"),
        case("anchored_alternatives", column="category", regex="^(?:chairs|desks)$"),
        case("matches_everything", column="category", regex=""),
    ],
    "expect_column_values_to_be_unique": [
        case("unique", column="id"),
        case("two_duplicate_pairs", column="few_dups"),
        case("duplicates_and_nulls", column="dup_id"),
        case("duplicates_mostly", column="dup_id", mostly=0.9),
        case("beyond_float_precision", column="big"),
        case("unicode", column="name"),
        case("timestamp", column="event_ts"),
        case("decimal_mostly_fail", column="price", mostly=0.5),
        case("boolean", column="flag"),
    ],
    "expect_column_values_to_be_between": [
        case("project_price_range", column="amount", min_value=0.01, max_value=100000),
        case("boundaries_inclusive", column="amount", min_value=-1.5, max_value=1e15),
        case(
            "boundaries_strict",
            column="amount",
            min_value=-1.5,
            max_value=1e15,
            strict_min=True,
            strict_max=True,
        ),
        case("min_only", column="amount", min_value=-1.5),
        case("max_only", column="amount", max_value=100000),
        case("mostly_pass", column="amount", min_value=0, max_value=100000, mostly=0.9),
        case("nullable_int", column="qty", min_value=0, max_value=5),
        case("nullable_int_mostly", column="qty", min_value=0, max_value=5, mostly=0.8),
        case("decimal_fail", column="price", min_value=0.01, max_value=99999.99),
        case("decimal_boundaries", column="price", min_value=-3.25, max_value=99999.99),
        case("beyond_float_precision", BIGINT_BOUND, column="big", max_value=9007199254740992),
        case(
            "beyond_float_precision_pass",
            BIGINT_BOUND,
            column="big",
            min_value=-9007199254740993,
            max_value=9007199254740993,
        ),
        case(
            "date", DATE_BOUND, column="event_date", min_value="2024-01-01", max_value="2024-12-31"
        ),
        case(
            "date_with_datetime_bounds",
            column="event_date",
            min_value="2024-01-01 00:00:00",
            max_value="2024-12-31 00:00:00",
        ),
        case(
            "timestamp",
            column="event_ts",
            min_value="2024-01-01 00:00:00",
            max_value="2024-01-10 00:00:00",
            mostly=0.5,
        ),
    ],
    "expect_column_value_lengths_to_be_between": [
        case("codes_any_length", column="code", min_value=0),
        case("empty_code_too_short", column="code", min_value=3),
        case("long_code_too_long", column="code", max_value=7),
        case("codes_of_seven_mostly", column="code", min_value=7, max_value=7, mostly=0.99),
        case("codes_of_eight_mostly_fail", column="code", min_value=8, mostly=0.5),
    ],
    "expect_column_values_to_be_in_set": [
        case("project_categories", column="category", value_set=CATEGORIES),
        case("project_categories_mostly", column="category", value_set=CATEGORIES, mostly=0.9),
        case("nullable_int_fail", column="clicked", value_set=[0, 1]),
        case("nullable_int_pass", column="clicked", value_set=[0, 1, 2]),
        case("unicode_pass", column="name", value_set=NAMES),
        case("unicode_without_empty", column="name", value_set=NAMES[:4] + NAMES[5:]),
        case("composed_vs_decomposed_accent", column="name", value_set=[*NAMES[:-1], "é"]),
        case("boolean", column="flag", value_set=[True, False]),
        case("boolean_only_true_mostly", column="flag", value_set=[True], mostly=0.3),
        case("negative_and_zero", column="qty", value_set=[-1, 0, 1, 2, 3, 4, 5]),
        case("decimal", column="price", value_set=[-3.25, 0, 0.01, 99999.99], mostly=0.001),
    ],
    "expect_compound_columns_to_be_unique": [
        case("duplicates_and_nulls", column_list=["item_id", "annotator_id"]),
        case("mostly", column_list=["item_id", "annotator_id"], mostly=0.99),
        case("unique", column_list=["id", "name"]),
        case("null_in_one_column", COMPOUND_NULL, column_list=["dup_id", "category"]),
    ],
    "expect_column_pair_values_to_be_equal": [
        case("disagreements", column_A="category", column_B="label"),
        case("mostly_pass", column_A="category", column_B="label", mostly=0.9),
        case("mostly_fail", column_A="category", column_B="label", mostly=0.99),
        case(
            "either_missing_ignored",
            column_A="category",
            column_B="label",
            ignore_row_if="either_value_is_missing",
        ),
        case("two_differences", column_A="id", column_B="few_dups"),
        case("same_column", column_A="name", column_B="name"),
    ],
    "expect_column_mean_to_be_between": [
        case("huge_values_pass", column="amount", min_value=1e12),
        case("huge_values_fail", column="amount", max_value=1e12),
        case("double_pass", column="agreement", min_value=0.7, max_value=0.8),
        case("double_fail", column="agreement", min_value=0.9),
        case("decimal", column="price", min_value=0, max_value=10000),
        case("nullable_int", column="qty", min_value=2, max_value=2),
        case("bigint", column="big", min_value=0),
        case("nullable_int_binary", column="clicked", max_value=0.5),
    ],
    "expect_column_min_to_be_between": [
        case("int_pass", column="n_annotators", min_value=2),
        case("int_fail", column="n_annotators", min_value=3),
        case("double", column="amount", min_value=-2, max_value=0),
        case("decimal", column="price", min_value=-5, max_value=0),
        case("beyond_float_precision", column="big", max_value=-9007199254740993),
        case("date", DATE_BOUND, column="event_date", min_value="1900-01-01"),
        case("date_with_datetime_bound", column="event_date", min_value="1900-01-01 00:00:00"),
        case("timestamp_fail", column="event_ts", min_value="2024-01-02 00:00:00"),
    ],
}

# GX has no DuckDB SQL for regexes; validate_table computes them itself in DuckDB with RE2
# (linear time: a hostile pattern cannot hang a step), and says so.
RE2_TYPES = {"expect_column_values_to_match_regex"}


def _check_name(exp_type: str, c: Case) -> str:
    return f"{exp_type.removeprefix('expect_')}__{c.name}"


ALL_CASES = [(t, c) for t, cases in CASES.items() for c in cases]


def _param(exp_type: str, c: Case):
    marks = [pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else []
    return pytest.param(exp_type, c, id=f"{exp_type}-{c.name}", marks=marks)


@pytest.fixture(scope="module")
def edge_warehouse(tmp_path_factory) -> DuckDBWarehouse:
    path = tmp_path_factory.mktemp("conformance") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(TABLE_SQL)
    return DuckDBWarehouse(path=str(path))


@pytest.fixture(scope="module")
def outcomes(edge_warehouse) -> dict[str, tuple[CheckOutcome, CheckOutcome]]:
    """check name -> (SQL outcome, pandas outcome), every case in one suite per engine."""
    specs = tuple(
        ExpectationSpec(_check_name(t, c), t, c.kwargs, "ERROR", "") for t, c in ALL_CASES
    )
    suite = SuiteSpec(asset=TABLE, path=None, expectations=specs)
    sql = validate_table(suite, edge_warehouse)
    pandas = _validate_pandas(TABLE, list(specs), edge_warehouse.read_table(TABLE), "pandas path")
    return {s.check_name: (s, p) for s, p in zip(sql, pandas, strict=True)}


def test_every_expectation_type_in_the_suites_has_cases():
    used = {e.type for s in load_project().suites.values() for e in s.expectations}
    assert used == {
        "expect_table_row_count_to_be_between",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_unique",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
        "expect_column_value_lengths_to_be_between",
        "expect_compound_columns_to_be_unique",
        "expect_column_pair_values_to_be_equal",
        "expect_column_mean_to_be_between",
        "expect_column_min_to_be_between",
    }, "the suites use a new expectation type: add cases for it to CASES, then to this set"
    missing = used - set(CASES)
    assert not missing, f"no engine conformance cases for {sorted(missing)}: add them to CASES"


def test_cases_cover_pass_fail_and_mostly(outcomes):
    from great_expectations.expectations.registry import get_expectation_impl

    for exp_type, cases in CASES.items():
        verdicts = {outcomes[_check_name(exp_type, c)][1].passed for c in cases}
        assert verdicts == {True, False}, f"{exp_type} needs cases that pass and that fail"
        if "mostly" in get_expectation_impl(exp_type).__fields__:
            assert any("mostly" in c.kwargs for c in cases), f"{exp_type} needs mostly cases"


# --- comparison -----------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _as_timestamp(value: Any) -> pd.Timestamp | None:
    """Dates and timestamps, and their ISO renderings, as one comparable type."""
    if isinstance(value, datetime | date):
        return pd.Timestamp(value)
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            return pd.Timestamp(value)
        except ValueError:
            return None
    return None


def _same(a: Any, b: Any) -> bool:
    """Equal as values: integers exactly, other numbers approximately, dates by value."""
    if type(a) is int and type(b) is int:
        return a == b
    if _is_number(a) and _is_number(b):
        return float(a) == pytest.approx(float(b), rel=1e-9, abs=1e-12)
    ta, tb = _as_timestamp(a), _as_timestamp(b)
    if ta is not None and tb is not None:
        return ta == tb
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _key(value: Any) -> Any:
    """A hashable canonical form of a sampled value, to compare samples as multisets."""
    if _is_number(value):
        return ("number", round(float(value), 9))
    ts = _as_timestamp(value)
    if ts is not None:
        return ("time", ts.isoformat())
    if isinstance(value, list):
        return ("list", *(_key(v) for v in value))
    if isinstance(value, dict):
        return ("dict", *sorted((k, _key(v)) for k, v in value.items()))
    return (type(value).__name__, value)


def _differences(sql: CheckOutcome, pandas: CheckOutcome) -> list[str]:
    found = []
    for name in ("passed", "observed_value", "element_count", "unexpected_count"):
        a, b = getattr(sql, name), getattr(pandas, name)
        if not _same(a, b):
            found.append(f"{name}: sql={a!r} pandas={b!r}")
    a, b = sql.unexpected_percent, pandas.unexpected_percent
    if (a is None) != (b is None) or (a is not None and a != pytest.approx(b, abs=1e-9)):
        found.append(f"unexpected_percent: sql={a!r} pandas={b!r}")
    a, b = sql.unexpected_sample, pandas.unexpected_sample
    if len(a) != len(b):
        found.append(f"unexpected_sample length: sql={a!r} pandas={b!r}")
    # Which rows SQL samples is not defined; when every unexpected row fits in the sample, the
    # samples must hold the same values (as multisets).
    counts = (sql.unexpected_count, pandas.unexpected_count)
    fits = all(n is not None and n <= SAMPLE_SIZE for n in counts)
    if fits and Counter(map(_key, a)) != Counter(map(_key, b)):
        found.append(f"unexpected_sample: sql={a!r} pandas={b!r}")
    return found


@pytest.mark.parametrize(("exp_type", "c"), [_param(t, c) for t, c in ALL_CASES])
def test_sql_and_pandas_agree(outcomes, exp_type: str, c: Case):
    sql, pandas = outcomes[_check_name(exp_type, c)]
    assert (sql.error, pandas.error) == (None, None), (
        f"{exp_type}({c.kwargs}) raised: sql={sql.error!r} pandas={pandas.error!r}"
    )
    expected_engine = ENGINE_RE2 if exp_type in RE2_TYPES else ENGINE_SQL
    assert sql.details["engine"] == expected_engine, (
        f"validate_table ran {exp_type} on {sql.details['engine']}, expected {expected_engine}: "
        f"{sql.details.get('engine_reason')}"
    )
    diffs = _differences(sql, pandas)
    assert not diffs, f"{exp_type}({c.kwargs}) differs between engines:\n" + "\n".join(diffs)


# --- quarantine: the rows a check fails are the rows GX counts ---------------------------------

ROW_LEVEL_CASES = [
    (t, c)
    for t, c in ALL_CASES
    if unexpected_rows(ExpectationSpec("x", t, c.kwargs, "ERROR", ""), TABLE) is not None
]


def test_row_level_cases_cover_every_row_level_type_the_suites_use():
    suites = load_project().suites.values()
    used = {e.type for s in suites for e in s.expectations if unexpected_rows(e, "t") is not None}
    covered = {t for t, _ in ROW_LEVEL_CASES}
    assert used, "the suites quarantine nothing row by row: is row_conditions still used?"
    assert used <= covered, f"no quarantine cases for {sorted(used - covered)}: add to CASES"


@pytest.mark.parametrize(
    ("exp_type", "c"), [pytest.param(t, c, id=f"{t}-{c.name}") for t, c in ROW_LEVEL_CASES]
)
def test_quarantined_rows_are_the_rows_gx_counts(edge_warehouse, outcomes, exp_type, c: Case):
    """Quarantine moves exactly the rows GX's SQL engine counted as unexpected (and GX's
    pandas engine, where the two agree); a difference would publish bad rows or lose good ones."""
    sql, _ = outcomes[_check_name(exp_type, c)]
    condition = unexpected_rows(ExpectationSpec("x", exp_type, c.kwargs, "ERROR", ""), TABLE)
    ((rows,),) = edge_warehouse.query(f"select count(*) from {TABLE} where {condition}").values
    assert rows == sql.unexpected_count, f"{exp_type}({c.kwargs}): {condition}"
    assert (rows == 0) == sql.passed
