"""Issue 10, finding 6: diagnoses that name the cause, on small files and a DuckDB connection."""

import hashlib
from pathlib import Path

import duckdb
import pytest

from dq_pipelines.declared.contracts import parse_contract
from dq_pipelines.landing.archive import ArchivedFile
from dq_pipelines.landing.diagnose import column_problem, inspect_delivery, plain_reason

CONTRACT = """
name: things
path_pattern: "things/{delivery_date}/*.csv"
columns:
  id: {type: varchar}
  name: {type: varchar}
  price_max: {type: varchar}
"""
TEXT = "id,name,price_max\n1,Chaise,10\n2,Table,20\n"


def _file(tmp_path: Path, data: bytes) -> ArchivedFile:
    digest = hashlib.sha256(data).hexdigest()
    path = tmp_path / "archive" / digest[:2] / f"{digest}.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    return ArchivedFile("things", digest, "things.csv", path, len(data), "a1")


def _inspect(tmp_path: Path, data: bytes) -> tuple[str, ArchivedFile]:
    (tmp_path / "things.yaml").write_text(CONTRACT)
    f = _file(tmp_path, data)
    with duckdb.connect() as conn:
        problem = inspect_delivery(conn, parse_contract(tmp_path / "things.yaml"), [f]).problem
    assert problem is not None
    assert str(f.archive_path.parent) not in problem and f.file_hash not in problem
    return problem, f


@pytest.mark.parametrize(("delimiter", "named"), [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_a_wrong_delimiter_names_the_one_found_and_the_one_declared(tmp_path, delimiter, named):
    problem, _ = _inspect(tmp_path, TEXT.replace(",", delimiter).encode())
    assert f"things.csv is delimited by {delimiter!r} ({named})" in problem
    assert "the contract declares ',' (comma)" in problem
    assert "Parser options" not in problem and "sniff" not in problem.lower()


def test_semicolons_with_decimal_commas_are_still_a_wrong_delimiter(tmp_path):
    problem, _ = _inspect(tmp_path, b"id;name;price_max\n1;Chaise;10,5\n2;Table;20,25\n")
    assert "delimited by ';' (semicolon)" in problem


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_named_with_the_contract_key_that_accepts_it(tmp_path, codec):
    problem, _ = _inspect(tmp_path, TEXT.encode(codec))
    assert "things.csv is UTF-16 text" in problem and "`encoding: utf-16`" in problem
    assert "binary" not in problem


def test_latin1_is_named_with_the_line_and_the_contract_key(tmp_path):
    problem, _ = _inspect(
        tmp_path, TEXT.replace("Table", "Chaise \xe9l\xe9gante").encode("latin-1")
    )
    assert "not valid UTF-8 (byte 0xe9 on line 3)" in problem
    assert "Latin-1" in problem and "`encoding: latin-1`" in problem


def test_binary_content_is_still_called_binary(tmp_path):
    problem, _ = _inspect(tmp_path, bytes(range(256)) * 40)
    assert "looks binary" in problem


def test_a_renamed_column_is_named_with_its_new_name(tmp_path):
    problem, _ = _inspect(tmp_path, TEXT.replace("price_max", "max_price").encode())
    assert problem.startswith("`price_max` is missing and `max_price` is new: renamed?")


@pytest.mark.parametrize(
    ("delivered", "said"),
    [
        (["id", "descr"], "`description` is missing and `descr` is new: renamed?"),
        (["id", "Max Price"], "`price_max` is missing and `Max Price` is new: renamed?"),
        (["id"], "declared column(s) `price_max` missing (the file has: id)"),
    ],
)
def test_column_problems_pair_missing_and_new_columns(delivered, said):
    declared = ["id", "description"] if "descr" in delivered else ["id", "price_max"]
    assert said in column_problem(declared, delivered)


def test_a_ragged_file_is_said_in_words_without_paths_or_duckdb_internals(tmp_path):
    f = _file(tmp_path, b"id,name,price_max\n1,a,1\n2,b,2\n3")  # truncated
    with duckdb.connect() as conn, pytest.raises(duckdb.Error) as error:
        conn.read_csv(str(f.archive_path), header=True, all_varchar=True, delimiter=",").fetchall()
    said = plain_reason(error.value, [f])
    assert "different number of fields than the header" in said
    assert str(tmp_path) not in said and f.file_hash not in said
    assert "Parser options" not in said and "\n" not in said


@pytest.mark.parametrize(("encoding", "codec"), [("utf-16", "utf-16"), ("latin-1", "latin-1")])
def test_a_declared_encoding_is_read_as_declared(tmp_path, encoding, codec):
    (tmp_path / "things.yaml").write_text(CONTRACT + f"encoding: {encoding}\n")
    data = TEXT.replace("Table", "Chaise \xe9l\xe9gante").encode(codec)
    with duckdb.connect() as conn:
        seen = inspect_delivery(
            conn, parse_contract(tmp_path / "things.yaml"), [_file(tmp_path, data)]
        )
    assert seen.problem is None and seen.columns == ("id", "name", "price_max")


def test_a_utf8_file_where_utf16_is_declared_is_named(tmp_path):
    (tmp_path / "things.yaml").write_text(CONTRACT + "encoding: utf-16\n")
    with duckdb.connect() as conn:
        seen = inspect_delivery(
            conn, parse_contract(tmp_path / "things.yaml"), [_file(tmp_path, TEXT.encode())]
        )
    assert seen.problem == "things.csv is not UTF-16 text, as the contract declares"
