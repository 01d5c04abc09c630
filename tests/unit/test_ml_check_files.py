"""ML-check files: the project's own load, and a bad file is refused naming the file and key."""

from pathlib import Path

import pytest

from dq_pipelines.checks.ml_checks import COMPUTATIONS
from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.declared.ml_check_schema import KIND_MODELS
from dq_pipelines.declared.ml_checks import parse_ml_checks
from dq_pipelines.declared.project import load_project

SCHEMA = {"product_id": "VARCHAR", "title": "VARCHAR", "label": "VARCHAR", "price": "DOUBLE"}


def _parse(tmp_path: Path, text: str, schema: dict | None = SCHEMA):
    path = tmp_path / "training_set.yaml"
    path.write_text(text)
    return parse_ml_checks(path, schema)


def test_every_kind_has_a_computation():
    assert set(COMPUTATIONS) == set(KIND_MODELS)


def test_the_projects_ml_checks_load_as_checks_with_their_severity():
    project = load_project()
    declared = {(c.asset, c.name): c.severity for c in project.checks}
    assert declared[("training_set", "labels__suspicious")] == "ERROR"  # error_above_rate set
    assert declared[("stg_labels", "annotators__agreement")] == "WARN"
    assert project.is_blocking("training_set", declared[("training_set", "labels__missing")])


def test_a_label_audit_defaults_to_warn_and_blocks_only_with_an_error_rate(tmp_path):
    (spec,) = _parse(
        tmp_path,
        "checks:\n  audit: {kind: label_audit, id_column: product_id, text_columns: [title]}\n",
    )
    assert spec.severity == "WARN" and spec.columns == ("label", "product_id", "title")
    (spec,) = _parse(
        tmp_path,
        "checks:\n  audit: {kind: label_audit, id_column: product_id, "
        "text_columns: [title], error_above_rate: 0.1}\n",
    )
    assert spec.severity == "ERROR"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("checks:\n  x: {kind: label_audits, id_column: product_id}\n", "label_audit"),
        ("checks:\n  x: {kind: missing_labels, max_shares: 0.1}\n", "did you mean `max_share`"),
        ("checks:\n  x: {kind: missing_labels, max_share: 2}\n", "less than or equal to 1"),
        ("checks:\n  x: {kind: label_audit, id_column: product_id}\n", "text_columns or"),
        ("checks:\n  x: {kind: missing_labels, group_column: brand}\n", "no column(s) ['brand']"),
        ("checks:\n  Bad-Name: {kind: missing_labels}\n", "must be snake_case"),
        ("checks: [1, 2]\n", "checks"),
        ("checks:\n  x: {kind: drift, columns: {price: {threshold: high}}}\n", "price"),
        ("- not a mapping\n", "YAML mapping"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file_and_the_problem(tmp_path, text, said):
    with pytest.raises(DefinitionFileError) as error:
        _parse(tmp_path, text)
    assert "training_set.yaml" in str(error.value) and said in str(error.value)


def test_a_file_for_an_unknown_asset_is_refused(tmp_path):
    with pytest.raises(DefinitionFileError, match="no asset named 'training_set'"):
        _parse(tmp_path, "checks: {}\n", schema=None)
