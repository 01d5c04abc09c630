"""Issue 8, finding 7: a suite regex cannot hang a step, and a bad one is refused at load.

Regex expectations run in DuckDB's RE2 (linear time), with the pattern translated so that it
means what Python's `re` (GX's pandas engine) makes of it: the differential test below holds
the two to the same answers.
"""

import json
import re
import time
import warnings
from pathlib import Path

import duckdb
import pytest

from dq_pipelines.checks.gx_runner import ENGINE_RE2, _validate_pandas, validate_table
from dq_pipelines.checks.row_conditions import unexpected_rows
from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.declared.regexes import UnsupportedRegex, check_regex
from dq_pipelines.declared.suites import ExpectationSpec, SuiteSpec, parse_suite
from dq_pipelines.storage.warehouse import DuckDBWarehouse

REDOS = r"^(\w+\s?)*$"
# 40 word characters and a final non-word one: Python's backtracking tries every way of
# splitting the 40 characters into words before it gives up (2**39 ways), for minutes.
HOSTILE_TITLE = "Reclaimedoakdiningtablewithfourmatchings!"


def _warehouse(tmp_path: Path, values: list[str | None]) -> DuckDBWarehouse:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table t (title varchar)")
        con.executemany("insert into t values (?)", [[v] for v in values])
    return DuckDBWarehouse(path=str(path))


def _spec(exp_type: str, **kwargs) -> ExpectationSpec:
    return ExpectationSpec(f"title__{exp_type[7:]}", exp_type, kwargs, "ERROR", "")


def test_the_redos_pattern_finishes_in_well_under_a_second(tmp_path):
    assert len(HOSTILE_TITLE) == 41 and not HOSTILE_TITLE[-1].isalnum()
    warehouse = _warehouse(tmp_path, [HOSTILE_TITLE, "A good title", None])
    spec = _spec("expect_column_values_to_match_regex", column="title", regex=REDOS)

    started = time.monotonic()
    (outcome,) = validate_table(SuiteSpec("t", None, (spec,)), warehouse)
    elapsed = time.monotonic() - started

    assert elapsed < 1.0, f"took {elapsed:.1f} s"
    assert outcome.details["engine"] == ENGINE_RE2
    assert (outcome.passed, outcome.element_count, outcome.unexpected_count) == (False, 3, 1)
    assert outcome.unexpected_sample == [HOSTILE_TITLE]
    # Quarantine reads the same condition, in DuckDB too.
    condition = unexpected_rows(spec, "t")
    assert warehouse.query(f"select count(*) from t where {condition}").iloc[0, 0] == 1


def _suite_file(tmp_path: Path, kwargs: dict, exp_type: str) -> Path:
    path = tmp_path / "stg_catalog.json"
    expectations = [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "title"}},
        {"type": exp_type, "kwargs": kwargs},
    ]
    path.write_text(json.dumps({"name": "stg_catalog", "expectations": expectations}))
    return path


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"column": "title", "regex": "(unclosed"}, "invalid regex '(unclosed'"),
        ({"column": "title", "regex": "[a-"}, "invalid regex"),
        ({"column": "title", "regex": r"^(?=\w)"}, "RE2 has no lookahead"),
        ({"column": "title", "regex": r"(a)\1"}, "RE2 has no backreference"),
        ({"column": "title", "regex": r"\bchair\b"}, "Unicode word boundaries"),
        ({"column": "title", "regex": "a{5000}"}, "DuckDB's RE2 cannot run it"),
        ({"column": "price", "regex": r"^\d+$"}, "need a text (VARCHAR) column, not DOUBLE"),
        ({"column": "title", "regex": "a", "row_condition": "price>0"}, "row_condition"),
    ],
)
def test_a_regex_that_cannot_run_is_refused_at_load_naming_file_and_expectation(
    tmp_path, kwargs, problem
):
    path = _suite_file(tmp_path, kwargs, "expect_column_values_to_match_regex")
    with warnings.catch_warnings(), pytest.raises(DefinitionFileError) as refused:
        warnings.simplefilter("ignore", FutureWarning)
        parse_suite(path, {"title": "VARCHAR", "price": "DOUBLE"})
    assert refused.value.path == path
    assert str(path) in str(refused.value)
    assert f"expectation #1 ({kwargs['column']}__match_regex)" in refused.value.problem
    assert problem in refused.value.problem


def test_regex_lists_are_checked_at_load_too(tmp_path):
    path = _suite_file(
        tmp_path,
        {"column": "title", "regex_list": ["^ok$", "(?<=x)y"]},
        "expect_column_values_to_not_match_regex_list",
    )
    with pytest.raises(DefinitionFileError, match=r"expectation #1 .*RE2 has no lookahead"):
        parse_suite(path, {"title": "VARCHAR"})


def test_a_good_regex_loads(tmp_path):
    path = _suite_file(
        tmp_path, {"column": "title", "regex": r"^\w[\w ]*$"}, "expect_column_values_to_match_regex"
    )
    assert len(parse_suite(path, {"title": "VARCHAR"}).expectations) == 2


# --- RE2 must mean what Python means -------------------------------------------------------

PATTERNS = [
    REDOS, r"^AB-\d{4}$", r"^\w+$", "東京|😀", "^(?:chairs|desks)$", "", r"^-?\d+(?:\.\d+)?$",
    r"[\s\S]x", r"\W", r"[\W]", r"[^\W]", r"[\d.-]+", r"\D", r"[^\d]", r"(?i)straSSE",
    r"(?i:AB)-\d", r"a.b", r"(?s)a.b", r"(?m)^b$", r"b$", r"x{,3}y", r"^\s+|\s+$", r"\S+@\S+",
    r"(?a)\w+$", r"(?a)\bcat\b", r"\A\d\Z", r"^$", r"[]a]", r"[^]a]", r"\.", r"a|b|",
    r"(a)(?:b)?c*?", "[\u00e9-\u00ff]", r"\x41", r"[-a]", r"[a\-z]", "(?x) a b  # spaced",
    r"^\p", r"\u00e9",
]  # fmt: skip
VALUES = [
    "café", "naïve", "東京タワー", "😀 emoji", "", "plain", "Ünïcödé", "straße", "  padded  ",
    "ÅLAND", "e\u0301", "AB-1234", "AB-1234\n", "ab-1234", "ÄB-1234", "a\nb", "b\n",
    "x\nb\nc", "12.5", "-3", "١٢٣", "x\u00a0y", "a\x1cb", "a\x85", "\u2028", "abc", "STRASSE",
    "a]b", "xxxy", "x-y", "chairs", "cat dog", "é", "A", "a|b", "_", "x_y", "Ⅻ", "²", "\\p",
    HOSTILE_TITLE,
]  # fmt: skip


@pytest.fixture(scope="module")
def conn():
    with duckdb.connect(":memory:") as con:
        yield con


@pytest.mark.parametrize("pattern", PATTERNS)
def test_re2_translation_matches_exactly_what_python_matches(conn, pattern):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        try:
            translated = check_regex(pattern)
        except UnsupportedRegex:
            with pytest.raises(re.error):
                re.compile(pattern)  # only patterns Python refuses too
            return
        compiled = re.compile(pattern)
    values = [v for v in VALUES if not (pattern == REDOS and v == HOSTILE_TITLE)]
    got = conn.execute(
        "select list(regexp_matches(v, ?) order by i) "
        "from (select unnest(?) as v, generate_subscripts(?, 1) as i)",
        [translated, values, values],
    ).fetchone()[0]
    expected = [compiled.search(v) is not None for v in values]
    differ = [(v, e) for v, e, g in zip(values, expected, got, strict=True) if e != g]
    assert not differ, f"{pattern!r} -> {translated!r}: python says {differ}"


@pytest.mark.parametrize(
    ("exp_type", "kwargs"),
    [
        ("expect_column_values_to_match_regex", {"regex": r"^\w+$", "mostly": 0.5}),
        ("expect_column_values_to_not_match_regex", {"regex": r"(?i)AB"}),
        ("expect_column_values_to_match_regex_list", {"regex_list": [r"^\w+$", "^AB"]}),
        (
            "expect_column_values_to_match_regex_list",
            {"regex_list": [r"\d", "^AB"], "match_on": "all"},
        ),
        ("expect_column_values_to_not_match_regex_list", {"regex_list": [r"\s", "é"]}),
    ],
)
def test_duckdb_and_gx_pandas_compute_the_same_outcome(tmp_path, exp_type, kwargs):
    values = ["AB-1234", "ab 12", "café", "東京", None, "AB", "x\n", "", "e\u0301", "Zz9"]
    spec = _spec(exp_type, column="title", **kwargs)
    suite = SuiteSpec("t", None, (spec,))
    warehouse = _warehouse(tmp_path, values)
    (duck,) = validate_table(suite, warehouse)
    (gx,) = _validate_pandas("t", [spec], warehouse.read_table("t"), "GX pandas engine")
    assert duck.details["engine"] == ENGINE_RE2
    fields = ("passed", "element_count", "unexpected_count", "unexpected_percent", "error")
    assert [getattr(duck, f) for f in fields] == [getattr(gx, f) for f in fields]
    if duck.unexpected_count <= len(duck.unexpected_sample):  # which rows SQL samples is open
        assert sorted(duck.unexpected_sample) == sorted(gx.unexpected_sample)
