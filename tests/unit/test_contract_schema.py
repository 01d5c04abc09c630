"""The contract schema: every key checked at load, the file, key path and closest key named."""

import re
from datetime import date
from pathlib import Path

import pytest

from dq_pipelines import layout
from dq_pipelines.declared.contract_schema import contract_json_schema
from dq_pipelines.declared.contracts import parse_contract
from dq_pipelines.declared.errors import DefinitionFileError

GOOD = """
name: things
path_pattern: "things/{delivery_date}/things*.csv"
primary_key: [id]
columns:
  id: {type: varchar, required: true}
  n: {type: integer}
"""


def _parse(tmp_path: Path, text: str):
    path = tmp_path / "things.yaml"
    path.write_text(text)
    return parse_contract(path)


def _refused(tmp_path: Path, text: str) -> str:
    with pytest.raises(DefinitionFileError, match=r"things\.yaml: ") as err:
        _parse(tmp_path, text)
    return err.value.problem


def _with_n(spec: str) -> str:
    return GOOD.replace("{type: integer}", spec)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            _with_n("{type: integer, requird: true}"),
            "columns.n.requird: unknown key; did you mean `required`?",
        ),
        (
            GOOD + "quarantine: {max_shar: 0.5}\n",
            "quarantine.max_shar: unknown key; did you mean `max_share`?",
        ),
        (
            GOOD + "freshness: {max_delivery_lag_day: 3}\n",
            "freshness.max_delivery_lag_day: unknown key; did you mean `max_delivery_lag_days`?",
        ),
        (GOOD + "colums: {}\n", "colums: unknown key; did you mean `columns`?"),
        (GOOD + "owner: me\n", "owner: unknown key; valid keys: name, description,"),
        (_with_n("{type: banana}"), "columns.n.type: 'banana' is not a column type"),
        (_with_n("{type: intger}"), "did you mean `integer`?"),
        (_with_n("{type: 'decimal(40,2)'}"), "DECIMAL type width must be between 1 and 38"),
        (_with_n("{type: 'varchar; drop table x'}"), "is not a column type"),
        (_with_n("{type: integer, required: 'yes'}"), "columns.n.required: Input should be"),
        (_with_n("{type: integer, severity: fatal}"), "columns.n.severity: 'FATAL' is not one"),
        (GOOD + "mode: apend\n", "mode: 'apend' is not one of ['snapshot', 'append']; did you"),
        (GOOD + "mode: append\n", "mode append needs a `key`"),
        (GOOD + "mode: append\nkey: [nope]\n", "key names undeclared columns ['nope']"),
        (GOOD + "key: [id]\n", "`key` is only for mode: append"),
        (GOOD + "encoding: utf-32\n", "encoding: 'utf-32' is not one of"),
        (GOOD + "null_values: NA\n", "null_values: Input should be a valid list"),
        (_with_n("{type: integer, min: 'a'}"), "columns.n.min: 'a' does not fit the column's"),
        (_with_n("{type: integer, values: [1, 2.5]}"), "columns.n.values: 2.5 does not fit"),
        (_with_n("{type: integer, min: 5, max: 1}"), "columns.n: min 5 is above max 1"),
        (_with_n("{type: varchar, min: a}"), "columns.n.min: 'a' does not fit"),
        (_with_n("{type: date, min: 3}"), "columns.n.min: 3 does not fit"),
        (_with_n("{type: integer, pattern: a}"), "columns.n.pattern: pattern needs a text"),
        (_with_n("{type: varchar, pattern: '(?<=a)b'}"), "RE2 has no lookahead/lookbehind"),
        (_with_n("{type: varchar, pattern: '(a'}"), "columns.n.pattern: invalid regex"),
        (_with_n("{type: integer, formats: ['%Y/%m/%d']}"), "formats need type date or time"),
        (_with_n("{type: date, formats: ['%Y/%Q/%d']}"), "columns.n.formats: %Q in"),
        (_with_n("{type: date, formats: [yyyy/mm/dd]}"), "unknown format 'yyyy/mm/dd'"),
        (_with_n("{type: date, max_age_days: 3}"), "max_age_days needs the column's formats"),
        (_with_n("{type: date, format: epoch_s, formats: [epoch_s]}"), "not both"),
    ],
)
def test_wrong_keys_and_values_fail_naming_the_key_and_the_closest_one(tmp_path, text, problem):
    assert problem in _refused(tmp_path, text)


def test_new_keys_are_parsed_with_todays_behaviour_as_their_defaults(tmp_path):
    plain = _parse(tmp_path, GOOD)
    assert (plain.mode, plain.key, plain.encoding, plain.null_values) == (
        "snapshot",
        (),
        "utf-8",
        ("",),
    )
    n = plain.columns[1]
    assert (n.severity, n.values, n.min, n.max, n.pattern, n.null_values) == (
        "ERROR",
        None,
        None,
        None,
        None,
        ("",),
    )
    rich = _parse(
        tmp_path,
        """
name: things
path_pattern: "things/{delivery_date}/things*.csv"
mode: append
key: [id, at]
encoding: LATIN-1
null_values: ["", NA, n/a]
columns:
  id: {type: text, pattern: '^[A-Z]{2}\\d+$', severity: warn}
  n: {type: int, min: 0, max: 10.5, values: [1, 2], null_values: ["-"]}
  at: {type: date, formats: ["%Y/%m/%d", dd/mm/yyyy], min: 2020-01-01, max: 2030-12-31}
  ok: {type: bool, values: [true]}
""",
    )
    assert (rich.mode, rich.key, rich.encoding) == ("append", ("id", "at"), "latin-1")
    ident, n, at, ok = rich.columns
    assert (ident.type, ident.pattern, ident.severity) == ("VARCHAR", r"^[A-Z]{2}\d+$", "WARN")
    assert (n.type, n.min, n.max, n.values, n.null_values) == ("INTEGER", 0, 10.5, (1, 2), ("-",))
    assert ident.null_values == ("", "NA", "n/a")  # the contract's markers, unless overridden
    assert (at.formats, at.min, at.max) == (
        ("%Y/%m/%d", "dd/mm/yyyy"),
        date(2020, 1, 1),
        date(2030, 12, 31),
    )
    assert (ok.type, ok.values) == ("BOOLEAN", (True,))


def test_types_are_stored_as_duckdb_names_them(tmp_path):
    spec = "{type: %s}"
    for declared, stored in [
        ("varchar", "VARCHAR"),
        ("string", "VARCHAR"),
        ("bigint", "BIGINT"),
        ("real", "FLOAT"),
        ("'decimal(12,2)'", "DECIMAL(12,2)"),
        ("datetime", "TIMESTAMP"),
        ("timestamptz", "TIMESTAMP WITH TIME ZONE"),
    ]:
        assert _parse(tmp_path, _with_n(spec % declared)).columns[1].type == stored


def _schema_keys(node: object) -> set[str]:
    """Every property name anywhere in a JSON schema."""
    if isinstance(node, dict):
        own = set(node.get("properties", {})) if isinstance(node.get("properties"), dict) else set()
        return own | {k for v in node.values() for k in _schema_keys(v)}
    if isinstance(node, list):
        return {k for v in node for k in _schema_keys(v)}
    return set()


def test_the_json_schema_lists_every_key_with_its_description():
    schema = contract_json_schema()
    keys = _schema_keys(schema)
    assert {"columns", "mode", "key", "encoding", "null_values", "max_share"} <= keys
    assert {"severity", "values", "min", "max", "pattern", "formats", "sensitive"} <= keys
    assert schema["additionalProperties"] is False
    column = schema["$defs"]["ColumnModel"]["properties"]
    assert all(spec.get("description") for spec in column.values())


def test_the_readme_documents_every_contract_key():
    readme = (layout.PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## Add a source", 1)[1].split("\n## ", 1)[0]
    missing = sorted(k for k in _schema_keys(contract_json_schema()) if f"`{k}`" not in section)
    assert not missing, f"README 'Add a source' does not document {missing}"


def test_shipped_contracts_still_load():
    from dq_pipelines.declared.contracts import load_contracts

    contracts = load_contracts(layout.CONTRACTS_DIR)
    assert re.fullmatch(r"DECIMAL\(12,2\)", contracts["catalog"].columns[5].type)
