"""Issue 13, user feedback watched: the CTR-drop check on real deliveries through the pipeline.

Two small runs of the feedback's raw and staging assets: a clean day (the check passes), then a
day generated with half the click probability (`ctr_drop=0.5`): its CTR against the day before
fails `ctr__drop` at WARN, with both CTRs and impressions in the metadata, and the profile
reports the judged pairs. Whether clean days pass against each other is
tests/unit/test_ml_feedback.py's (on the same generator, no run).
"""

from datetime import timedelta

import dagster as dg
import pytest
from pipeline_support import CLEAN_DAY, N_PRODUCTS, deliver, evaluations, run_job

from dq_pipelines.cli.sample_data import Faults

pytestmark = pytest.mark.slow
SELECTION = [dg.AssetKey("raw_feedback"), dg.AssetKey("stg_feedback")]
DROP_DAY = CLEAN_DAY + timedelta(days=1)
IMPRESSIONS = 2 * N_PRODUCTS  # a delivery: 10 results for each of 2n/10 queries


def _checks(defs, instance) -> dict[str, dg.AssetCheckEvaluation]:
    result = run_job(defs, instance, "__ASSET_JOB", asset_selection=SELECTION)
    assert result.success
    return evaluations(result)


def test_a_delivery_with_fewer_clicks_fails_ctr_drop_and_a_clean_one_passes(
    defs, instance, project_env
):
    deliver(project_env, CLEAN_DAY)
    first = _checks(defs, instance)
    assert first["stg_feedback.ctr__drop"].passed
    profile = first["stg_feedback.feedback__profile"]
    assert profile.passed and profile.metadata["judged_pairs"].value > 0
    assert "| rank |" in profile.metadata["ctr_by_rank"].value

    deliver(project_env, DROP_DAY, Faults(ctr_drop=0.5))
    drop = _checks(defs, instance)["stg_feedback.ctr__drop"]
    meta = {k: v.value for k, v in drop.metadata.items()}
    assert not drop.passed and drop.severity == dg.AssetCheckSeverity.WARN
    assert meta["current_impressions"] == meta["baseline_impressions"] == IMPRESSIONS
    assert meta["current_ctr"] < 0.65 * meta["baseline_ctr"] and meta["p_value"] < 0.01
    assert "significant drop" in meta["description"]
