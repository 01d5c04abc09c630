"""Running golden cases: one result per case, passed or not, saying what the model returned."""

import pytest

from dq_pipelines.declared.golden_schema import GoldenFileModel
from dq_pipelines.ml.golden import run_golden_cases

CASES = tuple(
    GoldenFileModel.model_validate(
        {
            "cases": [
                {"id": "office-chair", "owner": "catalog-pm", "kind": "classifier",
                 "input": "ergonomic office chair", "expectation": {"category": "chairs"}},
                {"id": "chair-top10", "owner": "search-pm", "kind": "search_at_least_one",
                 "input": "chair", "expectation": {"category": "chairs", "top_k": 10}},
                {"id": "desk-lamp-no-sofa", "owner": "search-pm", "kind": "search_none",
                 "input": "desk lamp", "expectation": {"category": "sofas", "top_k": 3}},
            ]
        }
    ).cases.values()
)  # fmt: skip


def _search(results: dict[str, list[str]]):
    calls = []

    def search(query: str, k: int):
        calls.append((query, k))
        return [(f"P{i}", c, 1.0 - i / 100) for i, c in enumerate(results[query])]

    return search, calls


def test_a_good_model_passes_every_case_and_says_what_it_returned():
    search, calls = _search(
        {"chair": ["sofas", "chairs"] + ["lamps"] * 20, "desk lamp": ["lamps", "desks", "lamps"]}
    )
    results = run_golden_cases(CASES, lambda texts: ["chairs"] * len(texts), search)
    assert [r.passed for r in results] == [True, True, True]
    assert calls == [("chair", 10), ("desk lamp", 3)]
    office, chair, lamp = results
    assert office.returned == ("chairs",) and office.check_name == "golden_office_chair"
    assert chair.returned == ("sofas", "chairs") + ("lamps",) * 8  # cut to the top 10
    assert chair.product_ids[:2] == ("P0", "P1")
    assert chair.message == (
        "golden case chair-top10 (owner: search-pm): 'chair' returned 1 chairs in the top 10: "
        "sofas, chairs, lamps, lamps, lamps, ..."
    )
    assert lamp.message.endswith("returned no sofas in the top 3: lamps, desks, lamps")


def test_a_bad_model_fails_every_case_naming_the_case_and_what_came_back():
    search, _ = _search({"chair": ["sofas", "lamps"], "desk lamp": ["lamps", "sofas", "desks"]})
    results = run_golden_cases(CASES, lambda texts: ["sofas"] * len(texts), search)
    assert [r.passed for r in results] == [False, False, False]
    assert [r.message for r in results] == [
        "golden case office-chair (owner: catalog-pm): 'ergonomic office chair' was classified "
        "as sofas, expected chairs",
        "golden case chair-top10 (owner: search-pm): 'chair' returned no chairs in the top 10: "
        "sofas, lamps",
        "golden case desk-lamp-no-sofa (owner: search-pm): 'desk lamp' returned sofas at rank 2 "
        "in the top 3: lamps, sofas, desks",
    ]


def test_a_search_returning_nothing_fails_an_at_least_one_case_and_passes_a_none_case():
    search, _ = _search({"chair": [], "desk lamp": []})
    chair, lamp = run_golden_cases(CASES[1:], None, search)
    assert not chair.passed and chair.message.endswith("in the top 10: nothing")
    assert lamp.passed


def test_classifier_texts_go_in_one_call_and_a_wrong_count_is_refused():
    seen = []

    def classify(texts):
        seen.append(list(texts))
        return []

    with pytest.raises(ValueError, match="returned 0 labels for 1 texts"):
        run_golden_cases(CASES, classify, None)
    assert seen == [["ergonomic office chair"]]


def test_a_missing_callable_is_refused_for_the_kind_that_needs_it():
    with pytest.raises(ValueError, match="no classify callable"):
        run_golden_cases(CASES, None, None)
    with pytest.raises(ValueError, match="search golden case chair-top10"):
        run_golden_cases(CASES, lambda texts: ["chairs"], None)
    assert run_golden_cases((), None, None) == []
