"""Which rows an expectation counts as unexpected, as a DuckDB SQL condition.

Quarantine needs the failing rows themselves, which GX's SQL engine only counts. For the
expectations that judge each row on its own (or, for uniqueness, against its duplicates) this
module says the same thing in SQL; tests/integration/test_engine_conformance.py checks it
against GX's `unexpected_count` case by case, and publish.py quarantines a check row by row only
when its condition finds exactly the rows GX counted. An expectation not listed here, or with
`mostly` or a `row_condition`, is a statement about the whole table: when it fails, the
delivery is held.
"""

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from dq_pipelines.declared.regexes import REGEX_EXPECTATIONS, to_re2
from dq_pipelines.declared.suites import ExpectationSpec
from dq_pipelines.storage.identifiers import quote_identifier as _quote


def sql_literal(value: Any) -> str:
    """A Python value from a suite's kwargs as a DuckDB literal."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"'{value}'::double"
    if isinstance(value, datetime | date):
        value = value.isoformat()
    return "'" + str(value).replace("'", "''") + "'"


def _in(c: str, values: Iterable[Any]) -> str:
    """`c` is one of the values (a null in the set matches nothing: nulls are not checked)."""
    listed = [sql_literal(v) for v in values if v is not None]
    return f"{c} in ({', '.join(listed)})" if listed else "false"


def _bound(value: Any) -> str:
    # GX coerces numeric bounds to float, so DuckDB compares as DOUBLE: so must we, or a BIGINT
    # beyond 2**53 would be quarantined by a check that counted it as expected.
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return f"{float(value)!r}::double" if is_number else sql_literal(value)


def _between(c: str, kw: Mapping[str, Any]) -> str:
    low, high = kw.get("min_value"), kw.get("max_value")
    outside = []
    if low is not None:
        outside.append(f"{c} {'<=' if kw.get('strict_min') else '<'} {_bound(low)}")
    if high is not None:
        outside.append(f"{c} {'>=' if kw.get('strict_max') else '>'} {_bound(high)}")
    return " or ".join(outside) or "false"


def _lengths(c: str, kw: Mapping[str, Any]) -> str:
    return _between(f"length({c})", kw)


def matches(c: str, regex: str) -> str:
    """`c` matches a suite regex, as Python's re.search would (RE2 runs it: linear time)."""
    return f"regexp_matches({c}, {sql_literal(to_re2(regex))})"


def _matches_list(c: str, kw: Mapping[str, Any]) -> str:
    joiner = " and " if kw.get("match_on", "any") == "all" else " or "
    return "(" + joiner.join(matches(c, r) for r in kw.get("regex_list") or []) + ")"


def duplicated(columns: list[str], table: str) -> str:
    """The row's (compound) value occurs more than once; a key with a null part never does."""
    cols = ", ".join(_quote(c) for c in columns)
    present = " and ".join(f"{_quote(c)} is not null" for c in columns)
    return (
        f"({cols}) in (select ({cols}) from {table} where {present} "
        f"group by all having count(*) > 1)"
    )


# expectation type -> condition builder(quoted column, kwargs, table); see unexpected_rows for nulls
_CONDITIONS: dict[str, Callable[[str, Mapping[str, Any], str], str]] = {
    "expect_column_values_to_not_be_null": lambda c, kw, t: f"{c} is null",
    "expect_column_values_to_be_null": lambda c, kw, t: f"{c} is not null",
    "expect_column_values_to_be_between": lambda c, kw, t: _between(c, kw),
    "expect_column_values_to_be_in_set": (
        lambda c, kw, t: f"not ({_in(c, kw.get('value_set') or [])})"
    ),
    "expect_column_values_to_not_be_in_set": (lambda c, kw, t: _in(c, kw.get("value_set") or [])),
    "expect_column_values_to_be_unique": lambda c, kw, t: duplicated([kw["column"]], t),
    "expect_column_values_to_match_regex": lambda c, kw, t: f"not {matches(c, kw['regex'])}",
    "expect_column_values_to_not_match_regex": lambda c, kw, t: matches(c, kw["regex"]),
    "expect_column_values_to_match_regex_list": (lambda c, kw, t: f"not {_matches_list(c, kw)}"),
    "expect_column_values_to_not_match_regex_list": (
        lambda c, kw, t: _matches_list(c, kw | {"match_on": "any"})
    ),
    "expect_column_value_lengths_to_be_between": lambda c, kw, t: _lengths(c, kw),
}
_NULLS_COUNT = {"expect_column_values_to_not_be_null", "expect_column_values_to_be_null"}


REGEX_TYPES = REGEX_EXPECTATIONS  # every one has a condition above


def unexpected_rows(spec: ExpectationSpec, table: str) -> str | None:
    """SQL true for each row of `table` the expectation counts as unexpected, else None.

    As in GX, a null value is not unexpected (it is not checked) except by the null
    expectations themselves; the compound-key uniqueness check ignores keys with a null part.
    None also when `mostly` or a `row_condition` makes the expectation a statement about the
    whole table (quarantining rows one by one would not mean what the check means).
    """
    kw = spec.kwargs
    if kw.get("row_condition") or float(kw.get("mostly", 1.0)) < 1.0:
        return None
    return unexpected_condition(spec, table)


def unexpected_condition(spec: ExpectationSpec, table: str) -> str | None:
    """The per-row condition of a row-level expectation, whatever its `mostly` (None if it
    has none); a `row_condition` is not applied."""
    kw = spec.kwargs
    if spec.type == "expect_compound_columns_to_be_unique":
        return duplicated(list(kw["column_list"]), table)
    make = _CONDITIONS.get(spec.type)
    if make is None:
        return None
    column = _quote(kw["column"])
    condition = make(column, kw, table)
    if spec.type in _NULLS_COUNT:
        return condition
    return f"({column} is not null and ({condition}))"
