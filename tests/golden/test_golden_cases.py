"""The golden cases against models trained on the bundled sample data (`pytest -m golden`).

A code change that breaks an obvious case (the classifier, the features, the sample data) fails
here, naming the case and what the model returned.
"""

import numpy as np
import pytest

from dq_pipelines.declared.golden_schema import ClassifierCase
from dq_pipelines.ml.golden import run_golden_cases

pytestmark = pytest.mark.golden


def test_every_golden_case_passes_on_the_sample_data_model(
    products, golden_cases, train, sample_search
):
    results = run_golden_cases(golden_cases, train(products).predict, sample_search)
    assert [r.case_id for r in results] == [c.id for c in golden_cases]
    failed = [r.message for r in results if not r.passed]
    assert not failed, "\n".join(failed)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # noise: expected
def test_a_model_trained_on_shuffled_labels_fails_the_classifier_cases(
    products, golden_cases, train
):
    shuffled = products.assign(label=np.random.default_rng(0).permutation(products["label"]))
    classifier_cases = [c for c in golden_cases if isinstance(c, ClassifierCase)]
    results = run_golden_cases(classifier_cases, train(shuffled).predict, None)
    failed = [r for r in results if not r.passed]
    # Guessing among 8 categories passes about one case in 8.
    assert len(failed) >= len(results) - 2, [r.message for r in results]
    assert all("expected" in r.message for r in failed)
