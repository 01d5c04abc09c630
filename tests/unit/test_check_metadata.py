"""Check metadata a person can read in the UI: numbers as numbers, the percent rounded, the
sample as text (rows as a small table), the observed value only where the check has one; and
values of sensitive columns still masked, in the metadata and in the alert made from it."""

import dagster as dg

from dq_pipelines.alerts.from_checks import alert_for
from dq_pipelines.checks.dagster_results import to_check_result
from dq_pipelines.checks.gx_runner import CheckOutcome

NOTHING_SENSITIVE: frozenset[str] = frozenset()


def _evaluation(result: dg.AssetCheckResult) -> dg.AssetCheckEvaluation:
    """What the event log stores for the result (its metadata, as normalized by Dagster)."""
    assert result.asset_key and result.check_name and result.severity
    return dg.AssetCheckEvaluation(
        asset_key=result.asset_key,
        check_name=result.check_name,
        passed=result.passed,
        severity=result.severity,
        metadata=result.metadata,
    )


def _metadata(outcome: CheckOutcome, sensitive=NOTHING_SENSITIVE) -> dict[str, dg.MetadataValue]:
    return dict(to_check_result("stg_x", outcome, sensitive).metadata)


ROW_LEVEL = CheckOutcome(
    "code__not_null",
    False,
    "ERROR",
    "'code' is never null.",
    element_count=34,
    unexpected_count=1,
    unexpected_percent=2.941176470588235,
    unexpected_sample=["AB-1", None, "", 'say "hi"'],
    details={"kwargs": {"column": "code"}, "expectation_type": "x"},
)


def test_a_row_level_check_shows_counts_a_rounded_percent_and_its_sample_as_text():
    metadata = _metadata(ROW_LEVEL)
    assert "observed_value" not in metadata  # not {"value": null}
    assert metadata["unexpected_percent"] == dg.MetadataValue.float(2.94)
    assert metadata["unexpected_count"] == dg.MetadataValue.int(1)
    assert metadata["element_count"] == dg.MetadataValue.int(34)
    assert metadata["unexpected_sample"] == dg.MetadataValue.text(
        '"AB-1", null, "", "say \\"hi\\""'
    )


def test_an_observed_value_keeps_its_type():
    for observed, expected in [
        (0.8731, dg.MetadataValue.float(0.8731)),
        (3, dg.MetadataValue.int(3)),
        ("dd/mm/yyyy", dg.MetadataValue.text("dd/mm/yyyy")),
        (True, dg.MetadataValue.bool(True)),
        ({"a": 1}, dg.MetadataValue.json({"a": 1})),
    ]:
        outcome = CheckOutcome("c", True, "WARN", observed_value=observed)
        assert _metadata(outcome)["observed_value"] == expected
    assert "observed_value" not in _metadata(
        CheckOutcome("c", True, "WARN", observed_value=float("nan"))
    )


def test_sampled_rows_are_a_small_markdown_table():
    rows = [{"item": "i-1", "given": "desks", "text": "a | b"}, {"item": "i-2", "given": None}]
    metadata = _metadata(CheckOutcome("labels", False, "ERROR", unexpected_sample=rows))
    assert metadata["unexpected_sample"] == dg.MetadataValue.md(
        "| item | given | text |\n| --- | --- | --- |\n| i-1 | desks | a \\| b |\n"
        "| i-2 | null | null |"
    )


def test_sensitive_values_stay_masked_in_the_text_and_in_the_alert():
    outcome = CheckOutcome(
        "query__in_set",
        False,
        "WARN",
        observed_value="alice@example.com",
        unexpected_count=1,
        unexpected_sample=["alice@example.com"],
        details={"kwargs": {"column": "query", "value_set": ["x"]}},
    )
    result = to_check_result("raw_feedback", outcome, frozenset({"query"}))
    metadata = dict(result.metadata)
    assert metadata["unexpected_sample"] == dg.MetadataValue.text('"a***(17)"')
    assert metadata["observed_value"] == dg.MetadataValue.text("a***(17)")
    alert = alert_for(_evaluation(result), "r1", "http://dagster.test/runs/r1", [], {"query"})
    text = alert.text()
    assert "alice" not in text and 'unexpected_sample: "a***(17)"' in text
    assert "observed_value: a***(17)" in text


def test_the_alert_reads_the_new_metadata_as_before():
    alert = alert_for(
        _evaluation(to_check_result("stg_x", ROW_LEVEL, NOTHING_SENSITIVE)),
        "r1",
        "http://dagster.test/runs/r1",
        ["training_set"],
    )
    text = alert.text()
    assert "unexpected_percent: 2.94" in text and "unexpected_count: 1" in text
    assert 'unexpected_sample: "AB-1", null, "", "say \\"hi\\""' in text
    assert "observed_value" not in text


def test_a_sample_shown_as_text_is_masked_value_by_value_when_the_alert_masks_it():
    """A column found sensitive only when the alert is made (the contract changed meanwhile)."""
    outcome = CheckOutcome(
        "query__in_set",
        False,
        "WARN",
        unexpected_sample=["alice@example.com", None, "bob"],
        details={"kwargs": {"column": "query", "value_set": ["x"]}},
    )
    result = to_check_result("raw_feedback", outcome, NOTHING_SENSITIVE)
    alert = alert_for(_evaluation(result), "r1", "http://dagster.test/runs/r1", [], {"query"})
    assert 'unexpected_sample: "a***(17)", null, "***(3)"' in alert.text()
