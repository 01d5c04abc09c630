"""The run page's `dq/failed_checks` tag names each failed check with its asset."""

import dagster as dg

from dq_pipelines.runs.summary import summarize_events


def _evaluation(asset: str, check: str, severity: dg.AssetCheckSeverity) -> dg.DagsterEvent:
    return dg.DagsterEvent(
        event_type_value="ASSET_CHECK_EVALUATION",
        job_name="full_pipeline_job",
        event_specific_data=dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey(asset),
            check_name=check,
            passed=False,
            metadata={},
            severity=severity,
        ),
    )


def test_failed_checks_are_named_by_their_asset_not_by_an_empty_key():
    """Seen in the browser: the tag read ':delivery_is_current (ERROR), :delivery_is_current
    (WARN)', because a check event carries its asset in its data, not in event.asset_key."""
    summary = summarize_events(
        [
            _evaluation("raw_catalog", "delivery_is_current", dg.AssetCheckSeverity.ERROR),
            _evaluation("raw_feedback", "delivery_is_current", dg.AssetCheckSeverity.WARN),
        ]
    )
    assert summary.failed_checks == (
        "raw_catalog:delivery_is_current (ERROR, blocking)",
        "raw_feedback:delivery_is_current (WARN)",
    )
    assert summary.tags()["dq/failed_checks"].startswith("raw_catalog:delivery_is_current")
