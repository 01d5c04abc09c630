"""The ML checks in the reference pipeline: quiet on clean data, each firing on its fault."""

import dagster as dg
import pytest
from pipeline_support import (
    CLEAN_RUN,
    FAULTY_DAY,
    deliver,
    evaluations,
    evaluations_of_run,
    materialized,
    materialized_in_run,
    run_job,
)

from dq_pipelines.alerts.from_checks import alert_for
from dq_pipelines.cli.sample_data import Faults
from dq_pipelines.cli.sample_vocabulary import ROGUE_ANNOTATOR

pytestmark = pytest.mark.slow

ML_CHECKS = (
    "training_set.labels__missing",
    "training_set.labels__suspicious",
    "training_set.features__drift",
    "training_set.training_set__no_identifiers",
    "training_set.training_set__k_anonymity",
    "stg_labels.annotators__agreement",
    "stg_inference_requests.features__serving_skew",
)


def _clean_run(start_from, instance) -> dict[str, dg.AssetCheckEvaluation]:
    started = start_from(CLEAN_RUN)
    assert started.success
    assert "category_model" in materialized_in_run(instance, started.run_id)
    return evaluations_of_run(instance, started.run_id)


def _figures(evaluation: dg.AssetCheckEvaluation) -> dict:
    return {k: v.value for k, v in evaluation.metadata.items()}


def test_flipped_labels_alone_block_training_and_the_alert_names_rate_and_items(
    defs, instance, project_env, start_from, warehouse
):
    clean = _clean_run(start_from, instance)
    failed = [name for name in ML_CHECKS if not clean[name].passed]
    assert failed == [], {n: _figures(clean[n]).get("description") for n in failed}
    assert _figures(clean["training_set.labels__suspicious"])["estimated_label_error_rate"] < 0.02

    deliver(project_env, FAULTY_DAY, Faults(flipped_labels=0.15))
    result = run_job(defs, instance)
    audit = evaluations(result)["training_set.labels__suspicious"]
    figures = _figures(audit)
    assert not audit.passed and audit.severity == dg.AssetCheckSeverity.ERROR
    assert 0.08 <= figures["estimated_label_error_rate"] <= 0.25
    assert "category_model" not in materialized(result)  # training blocked
    held = warehouse.query(
        "select status from dq_publications where asset = 'training_set' "
        "order by decided_at desc limit 1"
    )
    assert held["status"].item() == "held"

    # The review queue holds the suspicious items; the alert names the rate and the top ones.
    queued = warehouse.query("select * from dq_label_review where verdict is null")
    assert len(queued) >= 0.05 * 800
    header, _, first = figures["unexpected_sample"].splitlines()[:3]  # a markdown table
    columns = [c.strip() for c in header.strip("| ").split(" | ")]
    assert set(columns) >= {"item", "given", "suggested", "confidence", "text"}
    top = dict(zip(columns, (c.strip() for c in first.strip("| ").split(" | ")), strict=True))
    alert = alert_for(audit, result.run_id, "http://dagster.test/runs/x", ["category_model"])
    text = alert.text()
    assert "estimated label-error rate" in text and top["item"] in text


def test_each_ml_fault_fires_its_check(defs, instance, project_env, start_from, warehouse):
    _clean_run(start_from, instance)
    faults = Faults(
        missing_labels_category="lamps",
        rogue_annotator=True,
        drift=1.0,
        pii_in_descriptions=0.05,
        serving_missing_description=0.9,
    )
    deliver(project_env, FAULTY_DAY, faults)
    result = run_job(defs, instance)
    found = evaluations(result)

    missing = _figures(found["training_set.labels__missing"])
    assert not found["training_set.labels__missing"].passed
    assert missing["worst_group"] == "lamps" and missing["worst_group_missing_share"] == 1.0

    rogue = found["stg_labels.annotators__agreement"]
    assert not rogue.passed and _figures(rogue)["annotators_below"] == [ROGUE_ANNOTATOR]

    drift = _figures(found["training_set.features__drift"])
    assert not found["training_set.features__drift"].passed
    assert drift["champion.share_drifted"] > 0 and drift["retrain_level_reached"] is True
    assert isinstance(drift["champion.share_drifted"], float)

    pii = found["training_set.training_set__no_identifiers"]
    assert not pii.passed and "description" in _figures(pii)["failing_columns"]

    skew = found["stg_inference_requests.features__serving_skew"]
    assert not skew.passed and _figures(skew)["failing_features"] == ["description"]

    # The postcode is a quasi-identifier truncated to its area before the audit: k-anonymous.
    assert found["training_set.training_set__k_anonymity"].passed
    areas = warehouse.query("select distinct length(ships_from_postcode) as n from training_set")
    assert set(areas["n"].dropna()) <= {1, 2}
