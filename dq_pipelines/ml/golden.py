"""Running golden cases against a model: one result per case, saying what the model returned.

The models come in as plain callables, so the same code judges the champion, a challenger, or a
model trained in a test: `classify(texts) -> labels` and `search(query, k) -> [(product_id,
category, score), ...]` best first. Each result becomes one blocking check named after its case.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dq_pipelines.declared.golden_schema import (
    ClassifierCase,
    GoldenCase,
    SearchCase,
    SearchNoneCase,
)

Classify = Callable[[list[str]], Sequence[str]]
SearchHit = tuple[str, str, float]  # product id, category, score
Search = Callable[[str, int], Sequence[SearchHit]]
_SHOWN = 5  # categories listed in a message before "..."


@dataclass(frozen=True)
class GoldenResult:
    """One case judged: whether it passed, what the model returned, and that said in words.

    `returned` is the predicted category (classifier) or the categories of the top-k results in
    rank order (search); `product_ids` the top-k products (empty for the classifier).
    """

    case_id: str
    check_name: str
    owner: str
    kind: str
    passed: bool
    returned: tuple[str, ...]
    product_ids: tuple[str, ...]
    message: str


def _listed(categories: Sequence[str]) -> str:
    if not categories:
        return "nothing"
    shown = ", ".join(categories[:_SHOWN])
    return shown + (", ..." if len(categories) > _SHOWN else "")


def _prefix(case: GoldenCase) -> str:
    return f"golden case {case.id} (owner: {case.owner}): {case.input!r}"


def _classifier_result(case: ClassifierCase, predicted: str) -> GoldenResult:
    expected = case.expectation.category
    passed = predicted == expected
    verdict = "as expected" if passed else f"expected {expected}"
    return GoldenResult(
        case_id=case.id,
        check_name=case.check_name,
        owner=case.owner,
        kind=case.kind,
        passed=passed,
        returned=(predicted,),
        product_ids=(),
        message=f"{_prefix(case)} was classified as {predicted}, {verdict}",
    )


def _search_result(case: SearchCase, hits: Sequence[SearchHit]) -> GoldenResult:
    k, category = case.expectation.top_k, case.expectation.category
    top = list(hits)[:k]
    categories = tuple(str(c) for _, c, _ in top)
    ranks = [i for i, c in enumerate(categories, start=1) if c == category]
    where = f"in the top {k}: {_listed(categories)}"
    if isinstance(case, SearchNoneCase):
        passed = not ranks
        found = f"{category} at rank {', '.join(map(str, ranks))}" if ranks else f"no {category}"
    else:
        passed = bool(ranks)
        found = f"{len(ranks)} {category}" if ranks else f"no {category}"
    return GoldenResult(
        case_id=case.id,
        check_name=case.check_name,
        owner=case.owner,
        kind=case.kind,
        passed=passed,
        returned=categories,
        product_ids=tuple(str(p) for p, _, _ in top),
        message=f"{_prefix(case)} returned {found} {where}",
    )


def run_golden_cases(
    cases: Sequence[GoldenCase], classify: Classify | None, search: Search | None
) -> list[GoldenResult]:
    """Every case judged, in the order given; classifier texts go to `classify` in one call.

    A callable may be None when no case of its kind is given (e.g. no search model yet).
    """
    classifier_cases = [c for c in cases if isinstance(c, ClassifierCase)]
    predicted: dict[str, str] = {}
    if classifier_cases:
        if classify is None:
            raise ValueError("classifier golden cases given but no classify callable")
        labels = list(classify([c.input for c in classifier_cases]))
        if len(labels) != len(classifier_cases):
            raise ValueError(
                f"classify returned {len(labels)} labels for {len(classifier_cases)} texts"
            )
        predicted = {c.id: str(label) for c, label in zip(classifier_cases, labels, strict=True)}
    results = []
    for case in cases:
        if isinstance(case, ClassifierCase):
            results.append(_classifier_result(case, predicted[case.id]))
        elif search is None:
            raise ValueError(f"search golden case {case.id} given but no search callable")
        else:
            results.append(_search_result(case, search(case.input, case.expectation.top_k)))
    return results
