from datetime import date
from pathlib import Path

import pytest

from dq_pipelines.declared.contracts import parse_contract
from dq_pipelines.declared.errors import DefinitionFileError

GOOD = """
name: things
path_pattern: "things/{delivery_date}/things*.csv"
primary_key: [id]
freshness: {max_delivery_lag_days: 1, severity: error}
columns:
  id: {type: varchar, required: true}
  n: {type: integer}
"""


def _contract(tmp_path: Path, text: str, name: str = "things") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def test_parse_contract_and_find_deliveries(tmp_path):
    contract = parse_contract(_contract(tmp_path, GOOD))
    assert contract.raw_table == "raw_things"
    assert contract.column_names == ("id", "n")
    assert contract.freshness.severity == "ERROR"
    assert contract.max_quarantine_share == 0.0  # by default, any failing row holds a delivery
    with_share = parse_contract(_contract(tmp_path, GOOD + "quarantine: {max_share: 0.02}\n"))
    assert with_share.max_quarantine_share == 0.02
    landing = tmp_path / "landing"
    for day in ("2026-01-02", "2026-01-01", "not-a-date"):
        (landing / "things" / day).mkdir(parents=True)
        (landing / "things" / day / "things.csv").write_text("id,n\n")
    found = contract.deliveries(landing)
    assert list(found) == [date(2026, 1, 1), date(2026, 1, 2)]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name: [unclosed", "not valid YAML"),
        ("- a list", "must be a YAML mapping"),
        (GOOD.replace("name: things", "name: other"), "must be snake_case and match the file"),
        (GOOD.replace("{delivery_date}", "x"), "must contain {delivery_date}"),
        (GOOD.replace("primary_key: [id]", "primary_key: [nope]"), "undeclared columns"),
        (GOOD.replace("severity: error", "severity: loud"), "freshness.severity"),
        (GOOD.replace("  n: {type: integer}\n", "  n: {}\n"), "required key 'type' in columns.n"),
        ("name: things\npath_pattern: 'x/{delivery_date}'\n", "missing required key 'columns'"),
        (GOOD + "quarantine: {max_share: 1.5}\n", "max_share: Input should be less than 1"),
        (GOOD + "quarantine: {max_share: lots}\n", "max_share: Input should be a valid number"),
        (GOOD + "quarantine: [0.1]\n", "quarantine: must be a mapping of keys to values"),
    ],
)
def test_bad_contracts_name_the_file_and_the_problem(tmp_path, text, problem):
    path = _contract(tmp_path, text)
    with pytest.raises(DefinitionFileError, match=r"things\.yaml") as err:
        parse_contract(path)
    assert problem in str(err.value)


def test_every_shipped_source_has_a_raw_suite():
    from dq_pipelines.declared.project import load_project

    project = load_project()
    assert set(project.contracts) == {"catalog", "labels", "feedback", "inference_requests"}
    for contract in project.contracts.values():
        assert contract.raw_table in project.suites, f"{contract.raw_table} has no suite"
