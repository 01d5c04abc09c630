"""Date-format profiling and the diagnosis of a delivery whose format changed."""

import duckdb
import pytest

from dq_pipelines.declared.formats import diagnose, parse_expression, profile


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
