"""Masking helpers: the SQL mask is the Python mask, masking twice changes nothing, and lineage
that cannot be read masks every column of the model."""

from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from dq_pipelines.checks.gx_runner import CheckOutcome
from dq_pipelines.checks.masking import (
    hide_sensitive,
    mask,
    mask_outcome,
    mask_sql,
    row_json_sql,
    sensitive_columns,
)
from dq_pipelines.declared.project import load_project
from dq_pipelines.declared.sql_models import SqlModel


@pytest.mark.parametrize("value", ["alice@example.com", "bob", "", "12345", "café ☕", None])
def test_the_sql_mask_is_the_python_mask(value):
    with duckdb.connect() as con:
        (got,) = con.execute(
            f"select {mask_sql('v')} from (select ?::varchar as v)", [value]
        ).fetchone()
    assert got == mask(value)


def test_quarantine_json_masks_only_sensitive_columns():
    with duckdb.connect() as con:
        con.execute("""create table t as select 'alice@example.com' as "the query", 7 as n""")
        sql = row_json_sql("s", ["the query", "n"], frozenset({"the query"}))
        (row,) = con.execute(f"select {sql} from t s").fetchone()
    assert row == '{"the query":"a***(17)","n":7}'


def test_masking_an_outcome_is_done_once():
    outcome = CheckOutcome(
        "query__in_set",
        False,
        "WARN",
        observed_value=["alice@example.com", 3],
        unexpected_sample=["alice@example.com"],
        details={"kwargs": {"column": "query", "value_set": ["x"]}},
    )
    masked = mask_outcome(outcome, frozenset({"query"}))
    assert masked.unexpected_sample == ["a***(17)"]
    assert masked.observed_value == ["a***(17)", 3]
    assert mask_outcome(masked, frozenset({"query"})) == masked
    metadata = {"unexpected_sample": masked.unexpected_sample} | masked.details
    hide_sensitive(metadata, frozenset({"query"}))  # what the alert does with the metadata
    assert metadata["unexpected_sample"] == ["a***(17)"]
    other = mask_outcome(
        replace(outcome, details={"kwargs": {"column": "x"}}), frozenset({"query"})
    )
    assert other.unexpected_sample == ["alice@example.com"]


def test_unreadable_lineage_masks_every_column_of_the_model():
    project = load_project()
    odd = SqlModel("odd", Path("odd.sql"), "select * from stg_feedback pivot", (
        "stg_feedback",
    ), "")  # fmt: skip
    broken = replace(
        project,
        models=project.models | {"odd": odd},
        schemas=project.schemas | {"odd": {"a": "VARCHAR", "b": "INTEGER"}},
    )
    assert sensitive_columns(broken, "odd") == {"a", "b"}
