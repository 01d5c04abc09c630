"""Our sentence for an expectation says what GX's own rendering of it says.

GX stays the reference: each expectation of the engine-conformance cases and of the project's
suites is rendered by GX (`atomic.prescriptive.summary`: a template with `$param` slots) and
our sentence must name the same columns, the same bounds with the same strictness, the same
set members, the same pattern and the same `mostly` share, and say the same kind of thing.
"""

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

from dq_pipelines.declared.expectation_text import (
    SENTENCES,
    describe_expectation,
    expectation_sentence,
)
from dq_pipelines.declared.project import load_project

CONFORMANCE = Path(__file__).parents[1] / "integration" / "test_engine_conformance.py"

# GX's words before a bound -> ours.
BOUNDS = {
    "greater than or equal to $min_value": ("at least", "min_value"),
    "greater than $min_value": ("more than", "min_value"),
    "less than or equal to $max_value": ("at most", "max_value"),
    "less than $max_value": ("(?:less|fewer) than", "max_value"),
}
# What GX's template says the expectation is about -> the words ours must use.
KINDS = {
    r"never be null|not be null": "null",
    r"be unique": "unique",
    r"\bmean\b": "The mean of",
    r"minimum value": "The smallest",
    r"characters long": "characters long",
    r"rows\.": "row",
    r"belong to this set": "one of",
    r"regular expression": "regular expression",
    r"must (always )?be equal": "equal",
}
_TOKEN = r"('[^']*'|-?[\w.:+-]+(?: \d{2}:\d{2}:\d{2})?)"


def _gx(expectation_type: str, kwargs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """GX's sentence template and its parameters' values."""
    expectation = ExpectationConfiguration(type=expectation_type, kwargs=kwargs).to_domain_obj()
    expectation.render()
    (summary,) = [
        c for c in expectation.rendered_content if c.name == "atomic.prescriptive.summary"
    ]
    return summary.value.template, {k: p["value"] for k, p in summary.value.params.items()}


def _same(token: str, value: Any) -> bool:
    """Our token shows GX's value: numbers compared as numbers, text as text."""
    token = token.rstrip(".,")
    if isinstance(value, bool):
        return token == json.dumps(value)
    if isinstance(value, int | float):
        try:
            return float(token) == pytest.approx(float(value))
        except ValueError:
            return False
    return token.strip("'") == str(value)


def _conformance_cases() -> dict:
    """The engine-conformance cases: every expectation type the suites use, in many forms."""
    spec = importlib.util.spec_from_file_location("engine_conformance_cases", CONFORMANCE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CASES


def _all_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = [
        (t, dict(c.kwargs)) for t, type_cases in _conformance_cases().items() for c in type_cases
    ]
    project = load_project()
    cases += [(e.type, dict(e.kwargs)) for s in project.suites.values() for e in s.expectations]
    return cases


@pytest.mark.parametrize(("expectation_type", "kwargs"), _all_cases())
def test_sentence_says_what_gx_says(expectation_type: str, kwargs: dict[str, Any]):
    ours = expectation_sentence(expectation_type, kwargs)
    template, params = _gx(expectation_type, kwargs)
    for key, value in params.items():
        if key in ("column", "column_A", "column_B") or key.startswith("column_list_"):
            assert f"'{value}'" in ours, (key, ours, template)
        if key.startswith("v__"):
            members = ours.split(" one of ", 1)[1]
            assert any(_same(m, value) for m in re.split(r", | in at least", members)), (
                value,
                ours,
            )
    if "regex" in params:
        assert f"`{params['regex']}`" in ours
    for gx_words, (our_words, param) in BOUNDS.items():
        if gx_words in template:
            found = re.search(rf"\b{our_words} {_TOKEN}", ours)
            assert found and _same(found.group(1), params[param]), (gx_words, ours)
    if "$mostly_pct" in template:
        found = re.search(r"in at least ([\d.]+) % of rows", ours)
        assert found and _same(found.group(1), float(params["mostly_pct"])), ours
    else:
        assert "%" not in ours
    for gx_kind, our_kind in KINDS.items():
        if re.search(gx_kind, template):
            assert our_kind in ours, (gx_kind, ours)
    assert (ours.endswith(".") and ours[0].isupper()) or ours.startswith("'")


def test_every_type_the_suites_and_cases_use_has_its_own_sentence():
    used = {t for t, _ in _all_cases()}
    assert used <= set(SENTENCES), sorted(used - set(SENTENCES))


def test_examples_read_as_sentences():
    assert expectation_sentence("expect_column_values_to_not_be_null", {"column": "title"}) == (
        "'title' is never null."
    )
    assert expectation_sentence(
        "expect_column_values_to_be_between",
        {"column": "price", "min_value": 0.01, "max_value": 100000.0, "mostly": 0.95},
    ) == ("'price' values are at least 0.01 and at most 100000 in at least 95 % of rows.")
    assert expectation_sentence("expect_table_row_count_to_be_between", {"min_value": 100}) == (
        "The table has at least 100 rows."
    )


def test_the_note_follows_the_sentence():
    said = describe_expectation(
        "expect_column_values_to_be_unique", {"column": "id"}, "One row per product."
    )
    assert said == "'id' values are unique. One row per product."
    assert describe_expectation("expect_column_values_to_be_unique", {"column": "id"}, "") == (
        "'id' values are unique."
    )


def test_a_type_without_a_sentence_is_still_words_not_a_repr():
    said = expectation_sentence("expect_column_values_to_be_increasing", {"column": "ts"})
    assert said == "Expects column values to be increasing (column: 'ts')."
    assert "({'" not in said and not said.startswith("expect_")


def test_the_project_suites_descriptions_are_sentence_then_note():
    suite = load_project().suites["stg_catalog"]
    title = next(e for e in suite.expectations if e.check_name == "title__not_null")
    assert title.description == "'title' is never null. The title is the model's main feature."
    brand = next(e for e in suite.expectations if e.check_name == "brand__not_null")
    assert brand.description == "'brand' is not null in at least 95 % of rows."
