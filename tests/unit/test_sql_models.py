import subprocess
import sys
from pathlib import Path

import pytest

from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.declared.project import load_models, load_project
from dq_pipelines.declared.sql_models import load_sql_models, tables_read


def test_tables_read_ignores_ctes_and_finds_joins_and_subqueries():
    sql = """
        with a as (select * from raw_x), b as (select * from a join raw_y using (id))
        select * from b where id in (select id from raw_z)
    """
    assert tables_read(sql, Path("m.sql")) == ("raw_x", "raw_y", "raw_z")


def test_tables_read_rejects_non_select_and_bad_sql():
    with pytest.raises(DefinitionFileError, match="single SELECT"):
        tables_read("create table t (x int)", Path("m.sql"))
    with pytest.raises(DefinitionFileError, match=r"m\.sql: SQL does not parse"):
        tables_read("select from where (", Path("m.sql"))


def _write(root: Path, rel: str, sql: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(sql)


def test_models_come_in_dependency_order_with_description(tmp_path):
    _write(tmp_path, "marts/b.sql", "-- B model\nselect * from a")
    _write(tmp_path, "staging/a.sql", "-- A model\nselect * from raw_x;")
    models = load_sql_models(tmp_path, {"raw_x"})
    assert list(models) == ["a", "b"]
    assert models["b"].deps == ("a",)
    assert models["a"].description == "A model"
    assert models["a"].sql.endswith("raw_x")


def test_unknown_table_and_cycle_are_errors_naming_the_file(tmp_path):
    _write(tmp_path, "m/a.sql", "select * from nowhere")
    with pytest.raises(DefinitionFileError, match=r"a\.sql: reads \['nowhere'\]"):
        load_sql_models(tmp_path, set())
    _write(tmp_path, "m/a.sql", "select * from b")
    _write(tmp_path, "m/b.sql", "select * from a")
    with pytest.raises(DefinitionFileError, match="cycle"):
        load_sql_models(tmp_path, set())


def test_the_projects_models_match_their_sql():
    models = load_project().models
    assert models["training_set"].deps == ("stg_catalog", "stg_labels")
    assert models["stg_catalog"].deps == ("raw_catalog",)


def test_the_models_alone_are_the_projects_models_without_importing_gx():
    """benchmarks/search_bench.py reads one model's SQL; the suites (and GX) are not loaded."""
    assert load_models() == load_project().models
    probe = (
        "import sys; from dq_pipelines.declared.project import load_models; load_models(); "
        "print('great_expectations' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr[-2000:]
