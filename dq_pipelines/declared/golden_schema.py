"""The schema of the golden-cases file: the must-pass behaviours of the models, by kind.

`dq_pipelines/defs/evaluate/golden_cases.yaml` is written by a product person: `cases:` is a
list, each case with an `id`, its `owner`, a `kind`, the `input` (a product text or a search
query) and an `expectation`. Parsed through these pydantic models (declared/golden_cases.py), so
an unknown key or kind fails at load naming the file, the case id and the key. Cases are keyed by
their id while validating, which is how a problem's path names the case (`cases.chair-top10...`).
"""

import difflib
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

CASE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategoryExpectation(_Model):
    """The category the classifier must give the text."""

    category: str = Field(description="The expected category, e.g. chairs.")


class TopKExpectation(_Model):
    """A category and how deep into the results to look."""

    category: str = Field(description="The category looked for among the top results.")
    top_k: int = Field(default=10, ge=1, le=100, description="How many top results count.")


class _Case(_Model):
    id: str = Field(description="Unique, lowercase: letters, digits, '-' and '_'.")
    owner: str = Field(min_length=1, description="Who wrote the case and answers for it.")
    input: str = Field(min_length=1, description="The product text, or the search query.")
    note: str = Field(default="", description="Why the case matters, shown beside its result.")

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not CASE_ID.match(value):
            raise ValueError(f"case id {value!r} must be lowercase letters, digits, '-' or '_'")
        return value

    @property
    def check_name(self) -> str:
        """The Dagster check this case becomes (check names allow no '-')."""
        return "golden_" + self.id.replace("-", "_")


class ClassifierCase(_Case):
    """The classifier must put this product text in this category."""

    kind: Literal["classifier"]
    expectation: CategoryExpectation


class SearchAtLeastOneCase(_Case):
    """Searching for the query must show at least one product of the category in the top k."""

    kind: Literal["search_at_least_one"]
    expectation: TopKExpectation


class SearchNoneCase(_Case):
    """Searching for the query must show no product of the category in the top k."""

    kind: Literal["search_none"]
    expectation: TopKExpectation


SearchCase = SearchAtLeastOneCase | SearchNoneCase
GoldenCase = Annotated[ClassifierCase | SearchCase, Field(discriminator="kind")]
KINDS = tuple(
    get_args(m.model_fields["kind"].annotation)[0]
    for m in (ClassifierCase, SearchAtLeastOneCase, SearchNoneCase)
)


def _check_kind(key: str, case: Any) -> None:
    """A missing or misspelt kind said plainly (pydantic speaks of discriminators and tags)."""
    if not isinstance(case, dict) or case.get("kind") in KINDS:
        return
    if "kind" not in case:
        raise ValueError(f"case '{key}' has no `kind:` (one of {', '.join(KINDS)})")
    close = difflib.get_close_matches(str(case["kind"]), KINDS, n=1)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    raise ValueError(f"case '{key}': kind {case['kind']!r} is not one of {', '.join(KINDS)}{hint}")


class GoldenFileModel(_Model):
    """A golden-cases file: the list of cases, keyed by id once validated."""

    cases: dict[str, GoldenCase] = Field(description="The cases, each with a unique id.")

    @field_validator("cases", mode="before")
    @classmethod
    def _by_id(cls, value: Any) -> Any:
        """The list as a mapping by id (so problems name the case), refusing a repeated id."""
        if not isinstance(value, list):
            raise ValueError("must be a list of cases, each starting with `- id: ...`")
        keyed: dict[str, Any] = {}
        checks: dict[str, str] = {}
        for i, case in enumerate(value, start=1):
            case_id = case.get("id") if isinstance(case, dict) else None
            key = case_id if isinstance(case_id, str) and case_id else f"#{i}"
            if key in keyed:
                raise ValueError(f"case id '{key}' is used twice (case #{i})")
            check = key.replace("-", "_")
            if check in checks:
                raise ValueError(
                    f"case ids '{checks[check]}' and '{key}' differ only by '-' and '_' "
                    "(they would be the same check)"
                )
            _check_kind(key, case)
            keyed[key], checks[check] = case, key
        return keyed
