"""Every check evaluation is appended to dq_check_results, run after run (issue 12, History).

Two small runs of the catalog's raw and staging assets, a clean delivery then one with a few
unknown categories: each run's rows say what Dagster reported, with its run id and the load
audited, and the first run's rows are still there, unchanged, after the second.
"""

import dagster as dg
import pandas as pd
import pytest
from pipeline_support import CLEAN_DAY, FAULTY_DAY, deliver, evaluations, run_job

from dq_pipelines.cli.sample_data import Faults

pytestmark = pytest.mark.slow
SELECTION = [dg.AssetKey("raw_catalog"), dg.AssetKey("stg_catalog")]


def _reported_statuses(result) -> dict[str, str]:
    """Each check's status as Dagster reported it (the column schema check included: it is
    computed in the raw asset's step and recorded like the others)."""
    return {
        key: "passed" if e.passed else {"WARN": "warned", "ERROR": "failed"}[e.severity.value]
        for key, e in evaluations(result).items()
    }


def _recorded(warehouse, run_id: str) -> pd.DataFrame:
    return warehouse.query(
        "select asset || '.' || check_name as key, * exclude (evaluated_at) "
        "from dq_check_results where run_id = ? order by key",
        [run_id],
    )


def _run(defs, instance, warehouse):
    result = run_job(defs, instance, "__ASSET_JOB", asset_selection=SELECTION)
    assert result.success
    (load_id,) = warehouse.query("select distinct _load_id from raw_catalog")["_load_id"]
    recorded = _recorded(warehouse, result.run_id)
    assert dict(zip(recorded["key"], recorded["status"], strict=True)) == _reported_statuses(result)
    # Raw and staged rows come from this run's one load, as do the checks of the raw table.
    assert set(recorded["load_id"]) == {load_id}
    return result, load_id, recorded


def test_two_runs_append_their_results(defs, instance, project_env, warehouse):
    deliver(project_env, CLEAN_DAY)
    first, first_load, first_rows = _run(defs, instance, warehouse)
    assert set(first_rows["status"]) == {"passed"}
    assert {"raw_catalog", "stg_catalog"} == set(first_rows["asset"])
    assert {"suite", "contract"} <= set(first_rows["check_kind"])

    deliver(project_env, FAULTY_DAY, Faults(unknown_categories=0.005))
    second, second_load, second_rows = _run(defs, instance, warehouse)
    assert second_load != first_load and second.run_id != first.run_id
    category = second_rows.set_index("key").loc["stg_catalog.category__in_set"]
    # Its failing rows were quarantined, the rest published: reported, and recorded, as WARN.
    assert (category["status"], category["severity"]) == ("warned", "WARN")
    assert category["unexpected_count"] > 0 and category["expectation_type"].startswith("expect_")

    pd.testing.assert_frame_equal(_recorded(warehouse, first.run_id), first_rows)
    total = warehouse.query("select count(*) as n from dq_check_results")["n"].item()
    assert total == len(first_rows) + len(second_rows)
