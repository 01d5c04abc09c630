"""Any column name gives valid, stable, distinct Dagster names; the original name is kept."""

import json

import dagster as dg
import pytest

from dq_pipelines.declared.contract_checks import contract_checks
from dq_pipelines.declared.contracts import parse_contract
from dq_pipelines.declared.names import column_stems, identifier_stem
from dq_pipelines.declared.suites import derive_check_name, parse_suite

AWKWARD = """
name: penguins
path_pattern: "penguins/{delivery_date}/*.csv"
columns:
  Body Length (mm): {type: double}
  Date Sampled: {type: date, formats: ["%Y/%m/%d"], max_age_days: 30}
  2nd value: {type: varchar}
  Ratio 15 N (o/oo): {type: double}
  Année: {type: integer}
"""


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("price", "price"),
        ("Body Length (mm)", "body_length_mm"),
        ("Ratio 15 N (o/oo)", "ratio_15_n_o_oo"),
        ("Date Sampled", "date_sampled"),
        ("2nd value", "c_2nd_value"),
        ("Année", "annee"),
        ("  --weird--  ", "weird"),
    ],
)
def test_a_stem_is_a_readable_dagster_name_part(name, stem):
    assert identifier_stem(name) == stem


def test_names_with_no_latin_letter_still_get_a_stable_stem():
    stem = identifier_stem("温度")
    assert stem == identifier_stem("温度") and stem.startswith("c_") and stem != "c_"
    assert stem != identifier_stem("湿度")


def test_colliding_stems_get_a_stable_hash_whatever_the_order():
    names = ["Price", "price", "price (€)", "other"]
    stems = column_stems(names)
    assert len(set(stems.values())) == 4
    assert stems["other"] == "other"
    assert all(stems[n].startswith("price_") and len(stems[n]) == 12 for n in names[:3])
    assert column_stems(reversed(names)) == stems
    assert column_stems(["price", "other"])["price"] == "price"  # no collision, no hash


def test_a_contract_with_awkward_column_names_loads_with_valid_check_names(tmp_path):
    path = tmp_path / "penguins.yaml"
    path.write_text(AWKWARD)
    contract = parse_contract(path)
    assert contract.column_names[:3] == ("Body Length (mm)", "Date Sampled", "2nd value")
    assert [c.stem for c in contract.columns] == [
        "body_length_mm",
        "date_sampled",
        "c_2nd_value",
        "ratio_15_n_o_oo",
        "annee",
    ]
    checks = contract_checks(contract)
    assert {"date_sampled__format", "date_sampled__age"} <= {c.name for c in checks}
    _as_dagster_checks(contract.raw_table, [c.name for c in checks])
    for check in checks:
        if check.column is not None:
            assert f"'{check.column.name}'" in check.description  # the name as delivered


def _as_dagster_checks(asset: str, names: list[str]) -> None:
    """Build an asset with these checks as the raw assets are built (Dagster refuses a name
    such as `raw_x_Date Sampled__format`: "is not a valid name")."""

    @dg.multi_asset(
        name=asset,
        specs=[dg.AssetSpec(asset)],
        check_specs=[dg.AssetCheckSpec(name, asset=asset) for name in names],
    )
    def _asset():  # no return annotation: Dagster would read it as the outputs
        """Never run."""


def test_suite_check_names_need_no_meta_check_name_for_awkward_columns(tmp_path):
    assert derive_check_name("expect_column_values_to_not_be_null", {"column": "2nd value"}) == (
        "c_2nd_value__not_null"
    )
    schema = {"Body Length (mm)": "DOUBLE", "Date Sampled": "DATE", "2nd value": "VARCHAR"}
    path = tmp_path / "raw_penguins.json"
    path.write_text(
        json.dumps(
            {
                "expectations": [
                    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": c}}
                    for c in schema
                ]
                + [
                    {
                        "type": "expect_compound_columns_to_be_unique",
                        "kwargs": {"column_list": ["Date Sampled", "2nd value"]},
                    }
                ]
            }
        )
    )
    suite = parse_suite(path, schema)
    assert [e.check_name for e in suite.expectations] == [
        "body_length_mm__not_null",
        "date_sampled__not_null",
        "c_2nd_value__not_null",
        "date_sampled_c_2nd_value__compound_columns_unique",
    ]
    _as_dagster_checks("raw_penguins", [e.check_name for e in suite.expectations])
