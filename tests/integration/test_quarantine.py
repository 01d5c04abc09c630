"""Write-audit-publish and quarantine-or-block, through the real definitions.

A delivery whose failing rows stay within its contract's `quarantine.max_share` publishes the
rest and quarantines the failing rows; above it, the delivery is held and the published table
keeps its previous version. Either way every delivered row can be found.
"""

import dagster as dg
import pandas as pd
import pytest
from pipeline_support import (
    CLEAN_RUN,
    FAULTY_DAY,
    N_PRODUCTS,
    assert_nothing_lost,
    deliver,
    evaluations,
    materialized,
    recorded,
    run_job,
)

from dq_pipelines.checks.dagster_results import blocks
from dq_pipelines.cli.sample_data import Faults
from dq_pipelines.declared.project import MODEL_ASSET, TRAINING_SET, load_project

pytestmark = pytest.mark.slow
KNOWN = (
    "select count(*) as n from {table} where category not in "
    "('chairs', 'desks', 'lamps', 'sofas', 'beds', 'tables', 'shelves', 'rugs')"
)


def _publication(warehouse, asset: str, run_id: str):
    return warehouse.query(
        "select * from dq_publications where asset = ? and run_id = ?", [asset, run_id]
    ).iloc[0]


def test_contracts_declare_the_quarantine_threshold():
    shares = {c.name: c.max_quarantine_share for c in load_project().contracts.values()}
    assert shares == {
        "catalog": 0.01,
        "labels": 0.01,
        "feedback": 0.02,
        "inference_requests": 0.02,
    }
    assert load_project().max_quarantine_share("stg_catalog") == 0.01
    assert load_project().max_quarantine_share(TRAINING_SET) is None  # several sources


def test_few_failing_rows_are_quarantined_and_the_rest_published(
    defs, instance, project_env, start_from, warehouse, resources
):
    assert start_from(CLEAN_RUN).success
    deliver(project_env, FAULTY_DAY, Faults(unknown_categories=0.005))
    result = run_job(defs, instance)

    check = evaluations(result)["stg_catalog.category__in_set"]
    moved = check.metadata["quarantined_rows"].value
    assert not check.passed and check.severity.value == "WARN"  # informs; training still runs
    assert moved == check.metadata["unexpected_count"].value > 0
    assert "quarantined" in check.metadata["description"].value
    publication = _publication(warehouse, "stg_catalog", result.run_id)
    assert publication["status"] == "partial"
    assert publication["quarantined_rows"] == moved
    assert publication["published_rows"] == publication["staged_rows"] - moved
    assert warehouse.query(KNOWN.format(table="stg_catalog"))["n"].item() == 0
    quarantine = warehouse.query(
        "select failed_checks, load_id, row_data->>'category' as category from dq_quarantine "
        "where asset = 'stg_catalog'"
    )
    assert len(quarantine) == moved
    assert quarantine["failed_checks"].map(list).tolist() == [["category__in_set"]] * moved
    loaded = warehouse.query("select distinct _load_id from stg_catalog")["_load_id"].tolist()
    assert quarantine["load_id"].unique().tolist() == loaded
    assert {MODEL_ASSET, TRAINING_SET} <= materialized(result) and result.success
    rows = assert_nothing_lost(warehouse, "catalog", FAULTY_DAY)
    assert rows["staged_quarantine"] == moved and rows["status"] == "loaded"

    # The alert says what was quarantined, with counts, and that nothing was blocked.
    tick = dg.build_sensor_context(instance=instance, resources=resources)
    defs.resolve_sensor_def("alert_on_failed_checks")(tick)
    (text,) = warehouse.query("select text from dq_alerts where check_name = 'category__in_set'")[
        "text"
    ].tolist()
    assert "(WARN)" in text and "Nothing blocked" in text
    assert "- publication: partial" in text and f"- quarantined_rows: {moved}" in text


def test_too_many_failing_rows_hold_the_delivery_and_block_training(
    defs, instance, project_env, start_from, warehouse
):
    clean = start_from(CLEAN_RUN)
    clean_load = warehouse.query("select distinct _load_id from stg_catalog")["_load_id"].item()
    deliver(project_env, FAULTY_DAY, Faults(unknown_categories=0.03))
    result = run_job(defs, instance)

    check = evaluations(result)["stg_catalog.category__in_set"]
    assert not check.passed and check.severity.value == "ERROR" and blocks(check)
    assert check.metadata["publication"].value == "held"
    description = check.metadata["description"].value
    assert "Not published" in description and "more than the 1.00%" in description
    publication = _publication(warehouse, "stg_catalog", result.run_id)
    assert (publication["status"], publication["published_rows"]) == ("held", 0)
    # The published table still holds the clean delivery; the new one is all in quarantine.
    assert warehouse.query("select distinct _load_id from stg_catalog")["_load_id"].tolist() == [
        clean_load
    ]
    held = warehouse.query(
        "select count(*) filter (where list_contains(failed_checks, 'category__in_set')) as bad,"
        " count(*) filter (where failed_checks = ['delivery_held']) as good, count(*) as n "
        "from dq_quarantine where asset = 'stg_catalog'"
    ).iloc[0]
    assert held["bad"] == check.metadata["unexpected_count"].value
    assert held["bad"] + held["good"] == held["n"] == publication["staged_rows"]
    # Held and training blocked: not a failed run.
    assert MODEL_ASSET not in materialized(result) and result.success
    assert_nothing_lost(warehouse, "catalog", FAULTY_DAY)
    assert clean.success


def test_raw_rows_failing_the_delivery_contract_are_quarantined_before_staging(
    defs, instance, project_env, warehouse
):
    """Four prices with a decimal comma (0.5%) do not cast to the contract's decimal type and
    fail raw_catalog.price__type: they are quarantined at the raw layer, as delivered, and
    never reach stg_catalog."""
    deliver(project_env, FAULTY_DAY)
    path = project_env / "landing" / "catalog" / str(FAULTY_DAY) / "catalog.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[[3, 50, 400, 700], "price"] = "12,50"
    frame.to_csv(path, index=False)

    result = run_job(defs, instance)
    check = evaluations(result)["raw_catalog.price__type"]
    assert not check.passed and check.severity.value == "WARN"
    assert check.metadata["quarantined_rows"].value == 4
    assert check.metadata["unexpected_sample"].value == '"12,50"'  # the delivered text
    prices = warehouse.query(
        "select row_data->>'price' as price, staged_row from dq_quarantine "
        "where asset = 'raw_catalog' order by staged_row"
    )
    assert prices["price"].tolist() == ["12,50"] * 4
    assert prices["staged_row"].tolist() == [3, 50, 400, 700]
    rows = assert_nothing_lost(warehouse, "catalog", FAULTY_DAY)
    assert (rows["raw_quarantine"], rows["staged"]) == (4, rows["delivered"] - 4)
    assert result.success


def test_a_manual_downstream_run_reads_only_published_data(
    defs, instance, project_env, start_from, warehouse
):
    """Selecting only training_set after a held delivery rebuilds it from the last published
    staging tables: the held rows never reach it."""
    assert start_from(CLEAN_RUN).success
    deliver(project_env, FAULTY_DAY, Faults(unknown_categories=0.2))
    assert TRAINING_SET not in materialized(run_job(defs, instance))  # held
    job = defs.resolve_implicit_global_asset_job_def().get_subset(
        asset_selection={dg.AssetKey(TRAINING_SET)}
    )
    manual = job.execute_in_process(instance=instance, raise_on_error=False)
    assert TRAINING_SET in materialized(manual)
    assert warehouse.query(KNOWN.format(table="stg_catalog"))["n"].item() == 0
    assert (
        warehouse.query(
            "select count(*) as n from training_set where vendor_category not in "
            "('chairs', 'desks', 'lamps', 'sofas', 'beds', 'tables', 'shelves', 'rugs')"
        )["n"].item()
        == 0
    )


def test_quarantine_is_released_when_a_replay_publishes_the_delivery(
    defs, instance, project_env, start_from, warehouse, tmp_path, monkeypatch
):
    """The epoch-date switch holds the raw catalog (every updated_at fails its type); once the
    contract accepts epoch seconds, replaying the archived delivery publishes it and releases
    the held rows, which stay in the quarantine table, marked."""
    from test_landing import REPLAY, _fixed_definitions

    assert start_from(CLEAN_RUN).success
    deliver(project_env, FAULTY_DAY, Faults(epoch_dates=True))
    drifted = run_job(defs, instance)
    held = assert_nothing_lost(warehouse, "catalog", FAULTY_DAY)
    assert held["raw_quarantine"] == held["delivered"] and held["raw"] == 0

    fixed = _fixed_definitions(
        tmp_path, monkeypatch, ("formats: [dd/mm/yyyy]", "formats: [dd/mm/yyyy, epoch_s]")
    )
    replayed = run_job(fixed, instance, run_config=REPLAY)
    assert replayed.success
    released = warehouse.query(
        "select count(*) as n, count(released_at) as released, any_value(released_by_run) as by "
        "from dq_quarantine where asset = 'raw_catalog' and run_id = ?",
        [drifted.run_id],
    ).iloc[0]
    assert released["n"] == released["released"] == held["delivered"]  # kept, and released
    assert released["by"] == replayed.run_id
    after = assert_nothing_lost(warehouse, "catalog", FAULTY_DAY)
    assert after["staged"] == after["delivered"] and after["staged_quarantine"] == 0
    assert after["raw_quarantine"] == 0


def test_checks_run_on_their_own_audit_the_published_table(
    defs, instance, project_env, start_from, warehouse
):
    assert start_from(CLEAN_RUN).success
    checks_only = dg.define_asset_job(
        "stg_catalog_checks", selection=dg.AssetSelection.checks_for_assets("stg_catalog")
    )
    result = run_job(dg.Definitions.merge(defs, dg.Definitions(jobs=[checks_only])), instance,
                     "stg_catalog_checks")  # fmt: skip
    assert result.success and not materialized(result)
    names = {e.check_name for e in result.get_asset_check_evaluations() if e.passed}
    assert names == {e.check_name for e in load_project().suites["stg_catalog"].expectations}
    # Nothing was staged or published by a checks-only run.
    assert warehouse.query("select count(*) as n from dq_publications where run_id = ?",
                           [result.run_id])["n"].item() == 0  # fmt: skip


def test_running_again_counts_each_quarantined_row_once(
    defs, instance, project_env, start_from, warehouse
):
    assert start_from(CLEAN_RUN).success
    deliver(project_env, FAULTY_DAY, Faults(unknown_categories=0.005))
    # Ingest only: the quarantine is decided at raw and staging; training would add nothing.
    first = run_job(defs, instance, "ingest_job")
    again = run_job(defs, instance, "ingest_job")  # same files: raw a duplicate, staging again
    assert first.success and again.success
    current = warehouse.query(
        "select run_id, count(*) as n from dq_quarantine where released_at is null group by all"
    )
    assert current["run_id"].tolist() == [again.run_id]
    rows = assert_nothing_lost(warehouse, "catalog", FAULTY_DAY)
    assert rows["staged_quarantine"] == current["n"].item() == 4


def test_a_held_delivery_delivered_again_is_not_staged_again(
    defs, instance, project_env, start_from, warehouse
):
    """Decimal commas in 5% of prices hold the raw delivery; the same bytes on the next run
    are recognised, not re-quarantined, and the raw table keeps its previous version."""
    assert start_from(CLEAN_RUN).success
    deliver(project_env, FAULTY_DAY)
    path = project_env / "landing" / "catalog" / str(FAULTY_DAY) / "catalog.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame.index[::20], "price"] = "12,50"
    frame.to_csv(path, index=False)

    held = run_job(defs, instance)
    raw = _raw_materialization(held)
    assert (raw["delivery_status"].value, raw["publication"].value) == ("held", "held")
    assert raw["dagster/row_count"].value == N_PRODUCTS  # the table still holds the clean day
    rows = assert_nothing_lost(warehouse, "catalog", FAULTY_DAY)
    assert rows["status"] == "held" and rows["raw_quarantine"] == rows["delivered"]

    again = _raw_materialization(run_job(defs, instance))
    assert again["delivery_status"].value == "duplicate"
    assert assert_nothing_lost(warehouse, "catalog", FAULTY_DAY) == rows
    quarantined = warehouse.query("select count(*) as n from dq_quarantine")["n"].item()
    assert quarantined == rows["delivered"]


def _raw_materialization(result, asset: str = "raw_catalog"):
    return recorded(result, asset)
