import json
from pathlib import Path

import pytest

from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.declared.suites import derive_check_name, parse_suite

SCHEMA = {"id": "VARCHAR", "price": "DOUBLE"}


def _suite(tmp_path: Path, body, name: str = "things") -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(body if isinstance(body, str) else json.dumps(body))
    return path


def test_parse_suite_names_checks_and_resolves_severity(tmp_path):
    path = _suite(
        tmp_path,
        {
            "name": "things",
            "meta": {"severity": "WARN"},
            "expectations": [
                {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "id"}},
                {
                    "type": "expect_column_values_to_be_between",
                    "kwargs": {"column": "price", "min_value": 0},
                    "meta": {"severity": "error", "check_name": "price_positive", "notes": "n"},
                },
            ],
        },
    )
    suite = parse_suite(path, SCHEMA)
    assert suite.asset == "things"
    assert [(e.check_name, e.severity) for e in suite.expectations] == [
        ("id__not_null", "WARN"),
        ("price_positive", "ERROR"),
    ]
    # The expectation in words, then the note (the note used to be the whole description).
    assert suite.expectations[1].description == "'price' values are at least 0. n"
    assert suite.expectations[0].description == "'id' is never null."


def test_derived_check_names_read_well():
    assert derive_check_name("expect_column_values_to_be_unique", {"column": "id"}) == "id__unique"
    assert derive_check_name("expect_table_row_count_to_be_between", {}) == "row_count_between"
    assert (
        derive_check_name("expect_compound_columns_to_be_unique", {"column_list": ["a", "b"]})
        == "a_b__compound_columns_unique"
    )


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("{not json", "not valid JSON"),
        ({"name": "x"}, "'expectations' list"),
        ({"expectations": [{"kwargs": {}}]}, "needs a 'type' string"),
        ({"expectations": [{"type": "expect_nothing_at_all"}]}, "GX rejects expect_nothing_at_all"),
        (
            {"expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {}}]},
            "GX rejects",
        ),
        (
            {
                "expectations": [
                    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "colour"}}
                ]
            },
            "column(s) ['colour'] not in things",
        ),
        (
            {
                "expectations": [
                    {
                        "type": "expect_column_values_to_not_be_null",
                        "kwargs": {"column": "id"},
                        "meta": {"severity": "FATAL"},
                    }
                ]
            },
            "severity 'FATAL'",
        ),
        (
            {
                "expectations": [
                    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "id"}},
                    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "id"}},
                ]
            },
            "used twice",
        ),
    ],
)
def test_bad_suites_name_the_file_and_the_problem(tmp_path, body, problem):
    with pytest.raises(DefinitionFileError, match=r"things\.json") as err:
        parse_suite(_suite(tmp_path, body), SCHEMA)
    assert problem in str(err.value)


def test_suite_for_unknown_asset_is_an_error(tmp_path):
    with pytest.raises(DefinitionFileError, match="no asset named 'things'"):
        parse_suite(_suite(tmp_path, {"expectations": []}), None)
