"""Date-format profiling and the diagnosis of a delivery whose format changed."""

import re

import duckdb
import pytest

from dq_pipelines.declared.formats import (
    UnknownFormat,
    date_format,
    diagnose,
    parse_expression,
    profile,
)


def _profile(values: list[str | None], accepted=("dd/mm/yyyy",)):
    conn = duckdb.connect()
    conn.execute("create table t (d varchar)")
    conn.executemany("insert into t values (?)", [(v,) for v in values])
    return profile(conn, "t", "d", accepted)


def test_epoch_switch_is_diagnosed_with_history():
    found = _profile(["1764288000", "1764374400", None])
    result = diagnose(found, "catalog.updated_at in delivery 2026-11-28", ("dd/mm/yyyy",), 0.99, 30)
    assert not result.passed
    assert result.dominant == "epoch_s" and result.dominant_share == 1.0
    assert result.message == (
        "catalog.updated_at in delivery 2026-11-28: 100% of values look like Unix epoch "
        "seconds; contract says dd/mm/yyyy (previous 30 deliveries matched)"
    )


def test_day_month_order_is_settled_by_evidence_across_the_delivery():
    us = _profile(["03/04/2026", "12/25/2026", "01/02/2026"])
    result = diagnose(us, "x", ("dd/mm/yyyy",), 0.99, 0)
    assert not result.passed and result.dominant == "mm/dd/yyyy"
    assert "look like mm/dd/yyyy dates" in result.message

    british = _profile(["03/04/2026", "25/12/2026"])
    assert diagnose(british, "x", ("dd/mm/yyyy",), 0.99, 0).passed


def test_a_delivery_without_evidence_is_reported_ambiguous_not_guessed():
    ambiguous = _profile(["03/04/2026", "01/02/2026"])
    result = diagnose(ambiguous, "x", ("dd/mm/yyyy",), 0.99, 0)
    assert result.passed
    assert "cannot be told apart" in result.message


@pytest.mark.parametrize(
    ("value", "formats", "expected"),
    [
        ("25/12/2026", ("dd/mm/yyyy",), "2026-12-25"),
        ("1798156800", ("dd/mm/yyyy", "epoch_s"), "2026-12-25"),
        ("1798156800000", ("epoch_ms",), "2026-12-25"),
        ("2026-12-25", ("yyyy-mm-dd",), "2026-12-25"),
        ("1798156800", ("dd/mm/yyyy",), None),
        ("31/02/2026", ("dd/mm/yyyy",), None),
    ],
)
def test_parse_expression_uses_the_first_accepted_format_that_fits(value, formats, expected):
    sql = f"select {parse_expression('d', formats, 'date')} from (select ? as d)"
    (parsed,) = duckdb.connect().execute(sql, [value]).fetchone()
    assert (str(parsed) if parsed else None) == expected


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        ("2026/12/25", "%Y/%m/%d", "2026-12-25"),
        ("2026/1/5", "%Y/%m/%d", "2026-01-05"),
        ("Jan 1 2000", "%b %d %Y", "2000-01-01"),
        ("Dec 25 2026", "%b %d %Y", "2026-12-25"),
        ("25.12.26", "%d.%m.%y", "2026-12-25"),
        ("it's 2026-12-25", "it's %Y-%m-%d", "2026-12-25"),  # a quote in the pattern
        ("{2026-12-25}", "{%Y-%m-%d}", "2026-12-25"),  # braces too
        ("2026-12-25", "%Y/%m/%d", None),
        ("99/12/25", "%Y/%m/%d", None),  # %Y is four digits
        ("2026/13/25", "%Y/%m/%d", None),
    ],
)
def test_strftime_patterns_parse_like_named_formats(value, pattern, expected):
    sql = f"select {parse_expression('d', (pattern,), 'date')} from (select ? as d)"
    (parsed,) = duckdb.connect().execute(sql, [value]).fetchone()
    assert (str(parsed) if parsed else None) == expected


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("yyyy/mm/dd", "unknown format 'yyyy/mm/dd'"),
        ("%Y/%Q/%d", "%Q in '%Y/%Q/%d' is not a supported directive"),
        ("%Y-%m-%d %z", "%z in"),
        ("%m/%d", "has no year"),
        ("%Y-%m-%d %", "lone %"),
    ],
)
def test_patterns_duckdb_cannot_use_are_refused(pattern, problem):
    with pytest.raises(UnknownFormat, match=re.escape(problem)):
        date_format(pattern)


def test_a_declared_pattern_is_profiled_and_diagnosed_like_a_named_format():
    accepted = ("%Y/%m/%d",)
    good = _profile(["2026/12/25", "2026/01/02", None], accepted)
    assert good.matches["%Y/%m/%d"] == 2 and good.accepted_matches == 2
    assert diagnose(good, "x", accepted, 0.99, 0).passed
    drifted = _profile(["Dec 25 2026", "Jan 2 2026"], ("%Y/%m/%d", "%b %d %Y"))
    assert drifted.matches["%b %d %Y"] == 2
    switched = _profile(["25/12/2026", "02/01/2026"], accepted)
    result = diagnose(switched, "x", accepted, 0.99, 3)
    assert not result.passed and result.dominant == "dd/mm/yyyy"
    assert result.message == (
        "x: 100% of values look like dd/mm/yyyy dates; contract says %Y/%m/%d "
        "(previous 3 deliveries matched)"
    )
    custom = diagnose(good, "x", ("%Y/%m/%d",), 0.99, 0)
    assert custom.dominant == "%Y/%m/%d" and custom.dominant_share == 2 / 2


def test_no_recognisable_format_is_said_plainly_with_no_dominant_format():
    found = _profile(["soon", "last tuesday", "n/a"])
    result = diagnose(found, "x", ("dd/mm/yyyy",), 0.99, 5)
    assert not result.passed
    assert (result.dominant, result.dominant_share) == (None, 0.0)
    assert result.message == (
        "x: no value is in a date format we know; contract says dd/mm/yyyy "
        "(previous 5 deliveries matched)"
    )
