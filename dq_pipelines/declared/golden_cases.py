"""Golden cases: the model behaviours a product person declares must hold, read from one file.

`dq_pipelines/defs/evaluate/golden_cases.yaml` (schema: declared/golden_schema.py). Each case
becomes one blocking check on the model it judges (ml/golden.py runs them). A case may only name
a category the project knows: the value set that the `stg_labels` suite declares for `label`,
i.e. the labels annotators may give and so the classes the classifier can learn.
"""

import difflib
from collections.abc import Collection, Mapping
from pathlib import Path

from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.declared.golden_schema import GoldenCase, GoldenFileModel
from dq_pipelines.declared.schema_errors import read_model
from dq_pipelines.declared.suites import SuiteSpec

CATEGORY_SUITE = "stg_labels"
CATEGORY_COLUMN = "label"


def known_categories(suites: Mapping[str, SuiteSpec]) -> frozenset[str]:
    """The categories the project knows: the in-set values its labels suite allows."""
    suite = suites.get(CATEGORY_SUITE)
    for expectation in suite.expectations if suite else ():
        if (
            expectation.type == "expect_column_values_to_be_in_set"
            and expectation.kwargs.get("column") == CATEGORY_COLUMN
        ):
            return frozenset(str(v) for v in expectation.kwargs["value_set"])
    raise ValueError(
        f"no expect_column_values_to_be_in_set on {CATEGORY_SUITE}.{CATEGORY_COLUMN}: "
        "golden cases cannot check their categories"
    )


def load_golden_cases(path: Path, categories: Collection[str]) -> tuple[GoldenCase, ...]:
    """The file's cases in file order, each naming only a category in `categories`."""
    what = "a golden-cases file must be a YAML mapping with `cases:` (a list of cases)"
    cases = tuple(read_model(path, GoldenFileModel, what).cases.values())
    known = sorted(categories)
    for case in cases:
        category = case.expectation.category
        if category not in known:
            close = difflib.get_close_matches(category, known, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise DefinitionFileError(
                path,
                f"cases.{case.id}.expectation.category: {category!r} is not a category the "
                f"project knows ({', '.join(known)}){hint}",
            )
    return cases
