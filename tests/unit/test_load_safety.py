"""Issue 8, finding 10: loading the project's files runs no SQL they smuggle in, and names that
cannot be identifiers are refused naming the file (never a raw DuckDB error)."""

import shutil
from pathlib import Path

import duckdb
import pytest

from dq_pipelines import layout
from dq_pipelines.checks.gx_runner import ENGINE_PANDAS, validate_table
from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.declared.formats import profile
from dq_pipelines.declared.project import Project, build_project
from dq_pipelines.declared.suites import ExpectationSpec, SuiteSpec
from dq_pipelines.storage.warehouse import DuckDBWarehouse


def _copy_project(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    dirs = tuple(tmp_path / d for d in ("contracts", "sql", "suites", "ml_checks"))
    sources = (layout.CONTRACTS_DIR, layout.SQL_DIR, layout.SUITES_DIR, layout.ML_CHECKS_DIR)
    for source, target in zip(sources, dirs, strict=True):
        shutil.copytree(source, target)
    return dirs  # type: ignore[return-value]


def _build(dirs: tuple[Path, Path, Path, Path]) -> Project:
    return build_project(*dirs)


def test_a_model_file_named_like_sql_is_refused_before_any_sql_runs(tmp_path, monkeypatch):
    dirs = _copy_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    # Schema inference used to run `create table <file stem> as <model> limit 0`.
    stem = "x as select 1; copy (select 'pwned') to 'PWNED.csv'; create table y"
    model = dirs[1] / "marts" / f"{stem}.sql"
    model.write_text("select 1 as a")

    with pytest.raises(DefinitionFileError) as refused:
        _build(dirs)

    assert refused.value.path == model
    assert "file name must be an identifier" in refused.value.problem
    assert not (tmp_path / "PWNED.csv").exists()


@pytest.mark.parametrize("stem", ["Stg_Feedback", "2nd_model", "stg-feedback", "stg feedback"])
def test_model_names_must_be_identifiers(tmp_path, stem):
    dirs = _copy_project(tmp_path)
    (dirs[1] / "marts" / f"{stem}.sql").write_text("select 1 as a")
    with pytest.raises(DefinitionFileError, match="must be an identifier"):
        _build(dirs)


def _with_column(dirs: tuple[Path, Path, Path], yaml_key: str) -> Path:
    contract = dirs[0] / "labels.yaml"
    text = contract.read_text()
    assert "\ncolumns:\n" in text
    declared = f"\ncolumns:\n  {yaml_key}: {{type: varchar}}\n"
    contract.write_text(text.replace("\ncolumns:\n", declared))
    return contract


@pytest.mark.parametrize(
    ("yaml_key", "problem"),
    [
        ("'a\"b'", "holds a double quote"),
        # Used to load, adding a column "y" nobody declared: the name was pasted into DDL.
        ("'x\" varchar, \"y'", "holds a double quote"),
        ('"a\\0b"', "holds a control character"),
        ('"tab\\there"', "holds a control character"),
        ("''", "cannot be empty"),
        ("'   '", "cannot be empty"),
        ("'" + "n" * 200 + "'", "longer than 128 characters"),
        ("42", "column names must be text, not int"),
    ],
)
def test_a_contract_column_name_that_cannot_be_a_name_is_refused_naming_the_contract(
    tmp_path, yaml_key, problem
):
    dirs = _copy_project(tmp_path)
    contract = _with_column(dirs, yaml_key)
    with pytest.raises(DefinitionFileError) as refused:
        _build(dirs)
    assert refused.value.path == contract
    assert problem in refused.value.problem


def test_a_contract_type_cannot_carry_sql(tmp_path):
    dirs = _copy_project(tmp_path)
    contract = dirs[0] / "labels.yaml"
    text = contract.read_text().replace("\ncolumns:\n", "\ncolumns:\n  x: {type: 'int); drop'}\n")
    contract.write_text(text)
    refused = r"labels\.yaml: columns\.x\.type: .* is not a column type"
    with pytest.raises(DefinitionFileError, match=refused):
        _build(dirs)


def test_awkward_but_real_names_load(tmp_path):
    dirs = _copy_project(tmp_path)
    _with_column(dirs, "'Body Length (mm)'")
    _with_column(dirs, "'Größe / Taille'")
    project = _build(dirs)
    assert {"Body Length (mm)", "Größe / Taille"} <= project.schemas["raw_labels"].keys()


def test_names_reach_sql_quoted_in_the_pandas_fallback_and_format_profiles(tmp_path):
    """A SQL model may name a column anything DuckDB accepts, quotes included."""
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            """create table t as select '2024-01-0' || (i % 9 + 1) as "when ""local"" (day)"
               from range(20) r(i)"""
        )
        found = profile(con, "t", 'when "local" (day)', ("yyyy-mm-dd",))
    assert (found.values, found.accepted_matches) == (20, 20)
    spec = ExpectationSpec(
        "when__strftime",
        "expect_column_values_to_match_strftime_format",  # GX has no SQL for it: pandas
        {"column": 'when "local" (day)', "strftime_format": "%Y-%m-%d"},
        "ERROR",
        "",
    )
    (outcome,) = validate_table(SuiteSpec("t", None, (spec,)), DuckDBWarehouse(path=str(path)))
    assert outcome.details["engine"] == ENGINE_PANDAS
    assert (outcome.passed, outcome.error, outcome.element_count) == (True, None, 20)
