"""An expectation in one sentence, for the check's description in the UI and in alerts.

GX can render an expectation as text (`Expectation.render()`), but that costs ~50 ms per
expectation and more GX imports on every definitions load (the webserver, each code server and
each run load them), for wording such as "Must have greater than or equal to 100 rows." These
sentences are written per expectation type the suites use; tests/unit/test_expectation_text.py
compares each with GX's own rendering of the same expectation (same columns, bounds, strictness,
set members, pattern and `mostly`), so GX stays the reference. A type without a sentence here
still gets a readable one from its name and arguments.
"""

import json
from collections.abc import Callable, Mapping
from typing import Any


def _value(value: Any) -> str:
    """A bound or set member as written: whole floats without `.0`, strings quoted."""
    if isinstance(value, bool | list | dict) or value is None:
        return json.dumps(value, default=str)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    return f"'{value}'"


def _bound(value: Any) -> str:
    """A bound: numbers as written, dates and timestamps unquoted."""
    return _value(value) if isinstance(value, int | float) else str(value)


def _range(kwargs: Mapping[str, Any], below: str = "less than") -> str:
    """`at least 1 and at most 5`, `more than 1`, `less than 5` (strict bounds)."""
    parts = []
    if kwargs.get("min_value") is not None:
        word = "more than" if kwargs.get("strict_min") else "at least"
        parts.append(f"{word} {_bound(kwargs['min_value'])}")
    if kwargs.get("max_value") is not None:
        word = below if kwargs.get("strict_max") else "at most"
        parts.append(f"{word} {_bound(kwargs['max_value'])}")
    return " and ".join(parts) or "any value"


def _share(kwargs: Mapping[str, Any]) -> str:
    """`in at least 95 % of rows` when `mostly` is below 1, else empty."""
    mostly = kwargs.get("mostly")
    if mostly is None or mostly >= 1:
        return ""
    return f" in at least {mostly * 100:g} % of rows"


def _column(kwargs: Mapping[str, Any], key: str = "column") -> str:
    return f"'{kwargs[key]}'"


def _row_count(kw: Mapping[str, Any]) -> str:
    last = kw["max_value"] if kw.get("max_value") is not None else kw.get("min_value")
    return f"The table has {_range(kw, 'fewer than')} {'row' if last == 1 else 'rows'}."


def _not_null(kw: Mapping[str, Any]) -> str:
    share = _share(kw)
    return f"{_column(kw)} is not null{share}." if share else f"{_column(kw)} is never null."


def _pair_equal(kw: Mapping[str, Any]) -> str:
    pair = f"{_column(kw, 'column_A')} and {_column(kw, 'column_B')}"
    share = _share(kw)
    said = f"{pair} are equal{share}" if share else f"{pair} are always equal"
    ignored = {
        "either_value_is_missing": " (rows where either is null are not compared)",
        "both_values_are_missing": " (rows where both are null are not compared)",
    }
    return said + ignored.get(str(kw.get("ignore_row_if")), "") + "."


def _compound_unique(kw: Mapping[str, Any]) -> str:
    columns = " and ".join(f"'{c}'" for c in kw["column_list"])
    return f"Each combination of {columns} is unique{_share(kw)}."


def _in_set(kw: Mapping[str, Any]) -> str:
    members = ", ".join(_value(v) for v in kw.get("value_set") or [])
    return f"{_column(kw)} values are one of {members}{_share(kw)}."


SENTENCES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "expect_table_row_count_to_be_between": _row_count,
    "expect_column_values_to_not_be_null": _not_null,
    "expect_column_values_to_be_unique": lambda kw: f"{_column(kw)} values are unique{_share(kw)}.",
    "expect_compound_columns_to_be_unique": _compound_unique,
    "expect_column_values_to_be_between": lambda kw: (
        f"{_column(kw)} values are {_range(kw)}{_share(kw)}."
    ),
    "expect_column_value_lengths_to_be_between": lambda kw: (
        f"{_column(kw)} values are {_range(kw)} characters long{_share(kw)}."
    ),
    "expect_column_values_to_be_in_set": _in_set,
    "expect_column_values_to_match_regex": lambda kw: (
        f"{_column(kw)} values match the regular expression `{kw['regex']}`{_share(kw)}."
    ),
    "expect_column_pair_values_to_be_equal": _pair_equal,
    "expect_column_mean_to_be_between": lambda kw: f"The mean of {_column(kw)} is {_range(kw)}.",
    "expect_column_min_to_be_between": lambda kw: f"The smallest {_column(kw)} is {_range(kw)}.",
}


def _generic(expectation_type: str, kwargs: Mapping[str, Any]) -> str:
    """A type without its own sentence, still in words: `Column values to be increasing
    (column: 'x').`"""
    words = expectation_type.removeprefix("expect_").replace("_", " ")
    args = ", ".join(f"{k}: {_value(v)}" for k, v in kwargs.items())
    return f"Expects {words}" + (f" ({args})." if args else ".")


def expectation_sentence(expectation_type: str, kwargs: Mapping[str, Any]) -> str:
    """What the expectation demands, in one sentence."""
    sentence = SENTENCES.get(expectation_type)
    return sentence(kwargs) if sentence else _generic(expectation_type, kwargs)


def describe_expectation(expectation_type: str, kwargs: Mapping[str, Any], note: str) -> str:
    """The sentence, then the suite's note (why the expectation exists) if it gives one."""
    return f"{expectation_sentence(expectation_type, kwargs)} {note}".strip()
