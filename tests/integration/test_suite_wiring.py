"""Suite files are the only thing to touch: a new file shows up as checks, a broken one fails."""

import json
import shutil

import dagster as dg
import pytest

from dq_pipelines import layout
from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.declared.project import load_project


@pytest.fixture
def suites_dir(tmp_path, monkeypatch):
    """A copy of the shipped suites that the code location loads instead."""
    target = tmp_path / "suites"
    shutil.copytree(layout.SUITES_DIR, target)
    monkeypatch.setattr(layout, "SUITES_DIR", target)
    load_project.cache_clear()
    yield target
    load_project.cache_clear()


def _check_keys(defs: dg.Definitions) -> set[str]:
    graph = defs.resolve_asset_graph()
    return {f"{k.asset_key.to_user_string()}.{k.name}" for k in graph.asset_check_keys}


def test_a_new_suite_file_becomes_checks_without_code(project_env, suites_dir):
    from dq_pipelines.definitions import defs

    (suites_dir / "category_model_evaluation.json").unlink(missing_ok=True)
    before = _check_keys(defs())
    suite = {
        "name": "training_set",
        "expectations": [
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "title"}},
            {
                "type": "expect_column_value_lengths_to_be_between",
                "kwargs": {"column": "title", "min_value": 3},
                "meta": {"severity": "WARN"},
            },
        ],
    }
    (suites_dir / "training_set.json").write_text(json.dumps(suite))
    load_project.cache_clear()  # what reloading the code location does
    after = _check_keys(defs())
    assert after - before == {
        "training_set.title__not_null",
        "training_set.title__value_lengths_between",
    }
    spec = (
        defs()
        .resolve_asset_graph()
        .get_check_spec(
            dg.AssetCheckKey(dg.AssetKey("training_set"), "title__value_lengths_between")
        )
    )
    assert spec.blocking is False


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{oops", "not valid JSON"),
        (
            json.dumps(
                {
                    "expectations": [
                        {
                            "type": "expect_column_values_to_not_be_null",
                            "kwargs": {"column": "colour"},
                        }
                    ]
                }
            ),
            "column(s) ['colour'] not in stg_catalog",
        ),
    ],
)
def test_a_broken_suite_file_fails_definition_loading_naming_it(
    project_env, suites_dir, content, problem
):
    from dq_pipelines.definitions import defs

    (suites_dir / "stg_catalog.json").write_text(content)
    with pytest.raises(Exception) as err:  # Dagster wraps it; the cause is ours
        defs()
    cause = err.value
    while cause is not None and not isinstance(cause, DefinitionFileError):
        cause = cause.__cause__ or cause.__context__
    assert cause is not None, f"no DefinitionFileError behind {err.value!r}"
    assert cause.path.name == "stg_catalog.json" and problem in cause.problem
