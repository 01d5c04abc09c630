"""Golden-cases files: the project's own loads, and a bad file is refused naming file, case, key."""

from pathlib import Path

import pytest

from dq_pipelines import layout
from dq_pipelines.cli.sample_vocabulary import CATEGORIES
from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.declared.golden_cases import known_categories, load_golden_cases
from dq_pipelines.declared.golden_schema import (
    ClassifierCase,
    SearchAtLeastOneCase,
    SearchNoneCase,
)
from dq_pipelines.declared.project import load_project

KNOWN = ("chairs", "sofas", "lamps")
GOOD = """cases:
  - id: office-chair
    owner: catalog-pm
    kind: classifier
    input: ergonomic office chair
    expectation: {category: chairs}
  - id: chair-top10
    owner: search-pm
    kind: search_at_least_one
    input: chair
    expectation: {category: chairs}
  - id: desk-lamp-no-sofa
    owner: search-pm
    kind: search_none
    input: desk lamp
    expectation: {category: sofas, top_k: 3}
"""


def _load(tmp_path: Path, text: str):
    path = tmp_path / "golden_cases.yaml"
    path.write_text(text)
    return load_golden_cases(path, KNOWN)


def test_the_known_categories_are_the_labels_suites_value_set():
    assert known_categories(load_project().suites) == frozenset(CATEGORIES)


def test_the_projects_golden_cases_load_with_every_kind():
    cases = load_golden_cases(layout.GOLDEN_CASES, known_categories(load_project().suites))
    kinds = {type(c) for c in cases}
    assert kinds == {ClassifierCase, SearchAtLeastOneCase, SearchNoneCase}
    by_id = {c.id: c for c in cases}
    assert by_id["office-chair-lumbar"].expectation.category == "chairs"  # the examples
    assert by_id["chair-top10"].expectation.top_k == 10
    assert by_id["desk-lamp-no-sofa-top3"].expectation.category == "sofas"
    # every category has a classifier case
    covered = {c.expectation.category for c in cases if isinstance(c, ClassifierCase)}
    assert covered == set(CATEGORIES)


def test_a_good_file_keeps_file_order_defaults_and_check_names(tmp_path):
    cases = _load(tmp_path, GOOD)
    assert [c.id for c in cases] == ["office-chair", "chair-top10", "desk-lamp-no-sofa"]
    assert cases[1].expectation.top_k == 10
    assert [c.check_name for c in cases] == [
        "golden_office_chair",
        "golden_chair_top10",
        "golden_desk_lamp_no_sofa",
    ]


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (("{category: chairs}\n  - id: chair", "{categroy: chairs}\n  - id: chair"),
         "cases.office-chair.classifier.expectation.categroy: unknown key; did you mean "
         "`category`?"),
        (("kind: search_none", "kind: search_nonee"),
         "cases: case 'desk-lamp-no-sofa': kind 'search_nonee' is not one of classifier, "
         "search_at_least_one, search_none; did you mean `search_none`?"),
        (("    kind: search_none\n", ""), "case 'desk-lamp-no-sofa' has no `kind:` (one of"),
        (("owner: search-pm\n    kind: search_none", "ownr: search-pm\n    kind: search_none"),
         "cases.desk-lamp-no-sofa.search_none.ownr: unknown key; did you mean `owner`?"),
        (("top_k: 3", "top_k: 0"), "greater than or equal to 1"),
        (("id: chair-top10", "id: office-chair"), "case id 'office-chair' is used twice"),
        (("id: chair-top10", "id: office_chair"), "differ only by '-' and '_'"),
        (("id: chair-top10", "id: Chair Top"), "must be lowercase"),
        (("    input: chair\n", ""), "missing required key 'input' in cases.chair-top10"),
        (("category: sofas", "category: sofs"),
         "cases.desk-lamp-no-sofa.expectation.category: 'sofs' is not a category the project "
         "knows (chairs, lamps, sofas); did you mean `sofas`?"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_naming_the_file_the_case_and_the_key(tmp_path, change, said):
    old, new = change
    assert old in GOOD
    with pytest.raises(DefinitionFileError) as refused:
        _load(tmp_path, GOOD.replace(old, new, 1))
    assert said in str(refused.value)
    assert "golden_cases.yaml" in str(refused.value)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("cases: {a: 1}\n", "cases: must be a list of cases"),
        ("- id: a\n", "must be a YAML mapping with `cases:`"),
        ("cases: [\n", "not valid YAML"),
        ("cases:\n  - just text\n", "cases.#1"),
    ],
)
def test_a_file_of_the_wrong_shape_is_refused(tmp_path, text, said):
    with pytest.raises(DefinitionFileError, match=r"golden_cases\.yaml") as refused:
        _load(tmp_path, text)
    assert said in str(refused.value)


def test_known_categories_needs_the_labels_suite_to_declare_them():
    with pytest.raises(ValueError, match=r"stg_labels\.label"):
        known_categories({})
