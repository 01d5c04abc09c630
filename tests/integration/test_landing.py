"""Nothing lost at the landing: archive, rejected files, duplicates, corrections, replay."""

import shutil
from pathlib import Path

import pytest
from pipeline_support import (
    CLEAN_DAY,
    CLEAN_INGEST_RUN,
    CLEAN_RAW_RUN,
    FAULTY_DAY,
    N_PRODUCTS,
    RAW_JOB,
    assert_nothing_lost,
    deliver,
    evaluations,
    materialized,
    recorded,
    run_job,
)

from dq_pipelines import layout
from dq_pipelines.checks.dagster_results import blocks
from dq_pipelines.cli.sample_data import Faults
from dq_pipelines.declared.project import load_project

pytestmark = pytest.mark.slow
REPLAY = {"ops": {"raw_catalog": {"config": {"delivery_date": str(FAULTY_DAY), "replay": True}}}}


@pytest.fixture(autouse=True)
def _fresh_project():
    """A run of `_fixed_definitions` caches the fixed project while the layout is patched;
    clear it once the patch is undone (this fixture is torn down after monkeypatch), or the
    next test in the process reads the fixed contract."""
    yield
    load_project.cache_clear()


def _fixed_definitions(tmp_path, monkeypatch, contract_edit, sql_edit=None):
    """The code location after a one-line fix to the catalog contract (and its SQL)."""
    contracts, sql = tmp_path / "contracts", tmp_path / "sql"
    shutil.copytree(layout.CONTRACTS_DIR, contracts)
    shutil.copytree(layout.SQL_DIR, sql)
    contract = contracts / "catalog.yaml"
    contract.write_text(contract.read_text().replace(*contract_edit))
    if sql_edit:
        staging = sql / "staging" / "stg_catalog.sql"
        staging.write_text(staging.read_text().replace(*sql_edit))
    monkeypatch.setattr(layout, "CONTRACTS_DIR", contracts)
    monkeypatch.setattr(layout, "SQL_DIR", sql)
    load_project.cache_clear()
    try:
        from dq_pipelines.definitions import defs

        return defs()
    finally:
        load_project.cache_clear()


def _catalog(project_env: Path, day=FAULTY_DAY) -> Path:
    return project_env / "landing" / "catalog" / str(day) / "catalog.csv"


def _corrupt(kind: str, path: Path) -> None:
    text = path.read_text()
    if kind == "latin1":
        lines = text.splitlines()
        lines[5] = lines[5].replace(lines[5].split(",")[1], "Chaise \xe9l\xe9gante", 1)
        path.write_bytes("\n".join(lines).encode("utf-8").replace(b"\xc3\xa9", b"\xe9"))
    elif kind == "semicolons":
        path.write_text(text.replace(",", ";"))
    elif kind == "truncated":
        path.write_text(text.rstrip("\n").rsplit(",", 4)[0])
    elif kind == "utf16":
        path.write_bytes(text.encode("utf-16"))
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 40)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "header_only":
        path.write_text(text.splitlines()[0] + "\n")
    elif kind == "renamed_column":
        path.write_text(text.replace(",description,", ",descr,", 1))


def _manifest(warehouse, source="catalog", columns="delivery_date, status, reason, archive_path"):
    return warehouse.query(
        f"select {columns} from dq_manifest where source = ? order by arrived_at",
        [source],
    )


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("latin1", "not valid UTF-8"),
        ("semicolons", "is delimited by ';' (semicolon), the contract declares ',' (comma)"),
        ("truncated", "different number of fields"),
        ("utf16", "catalog.csv is UTF-16 text, not UTF-8; declare `encoding: utf-16`"),
        ("binary", "looks binary"),
        ("empty", "is empty (0 bytes)"),
        ("header_only", "header but no data rows"),
        ("renamed_column", "`description` is missing and `descr` is new: renamed?"),
    ],
)
def test_an_unparseable_file_is_rejected_kept_and_blocks_only_what_it_feeds(
    defs, instance, project_env, start_from, warehouse, kind, reason
):
    assert start_from(CLEAN_RAW_RUN).success
    deliver(project_env, FAULTY_DAY)
    _corrupt(kind, _catalog(project_env))
    original = _catalog(project_env).read_bytes()

    result = run_job(defs, instance, RAW_JOB)
    checks = evaluations(result)
    accepted = checks["raw_catalog.delivery_accepted"]
    assert not accepted.passed and blocks(accepted)
    said = accepted.metadata["description"].value
    assert reason in said
    assert "Parser options" not in said and str(project_env) not in said  # no archive path
    if kind == "renamed_column":  # the columns, against the last accepted delivery's
        assert f"against the last accepted delivery, {CLEAN_DAY}: missing ['description']" in said
    assert checks["raw_labels.delivery_accepted"].passed  # the other sources still loaded
    assert (
        warehouse.query("select max(_delivery_date) as d from raw_labels")["d"].item().date()
        == FAULTY_DAY
    )
    # The raw table still holds the previous, clean delivery; training did not run on anything new.
    assert warehouse.query("select count(*) as n from raw_catalog")["n"].item() == N_PRODUCTS
    manifest = _manifest(warehouse)
    rejected = manifest[manifest["status"] == "rejected"]
    assert len(rejected) == 1 and reason in rejected["reason"].item()
    assert Path(rejected["archive_path"].item()).read_bytes() == original
    assert assert_nothing_lost(warehouse, "catalog", FAULTY_DAY)["status"] == "rejected"


def test_the_same_bytes_delivered_again_are_not_loaded_twice(
    defs, instance, project_env, start_from, warehouse
):
    assert start_from(CLEAN_INGEST_RUN).success
    shutil.copytree(_catalog(project_env, CLEAN_DAY).parent, _catalog(project_env).parent)
    deliver(project_env, FAULTY_DAY, Faults(late_sources=("catalog",)))  # all but the catalog
    result = run_job(defs, instance, "ingest_job")
    raw = recorded(result, "raw_catalog")  # an observation: the catalog is a day late (held)
    assert raw["delivery_status"].value == "duplicate"
    loads = warehouse.query(
        "select asset, count(*) as n from dq_publications "
        "where asset like 'raw_%' and status <> 'held' group by asset"
    )
    assert loads.set_index("asset")["n"].to_dict() == {
        "raw_catalog": 1,
        "raw_labels": 2,
        "raw_feedback": 2,
        "raw_inference_requests": 2,
    }
    assert_nothing_lost(warehouse, "catalog", CLEAN_DAY)


def test_a_corrected_redelivery_replaces_the_earlier_load(defs, instance, project_env, warehouse):
    deliver(project_env, FAULTY_DAY, Faults(bad_prices=0.05))
    assert "stg_catalog" not in materialized(run_job(defs, instance, "ingest_job"))  # held
    deliver(project_env, FAULTY_DAY)  # the vendor sends the same batch again, fixed
    assert run_job(defs, instance, "ingest_job").success
    statuses = _manifest(warehouse)["status"].tolist()
    assert statuses == ["replaced", "loaded"]
    bad = warehouse.query("select count(*) as n from stg_catalog where price < 0.01")
    assert bad["n"].item() == 0
    assert assert_nothing_lost(warehouse, "catalog", FAULTY_DAY)["staged"] == N_PRODUCTS


def test_replay_after_a_contract_fix_loads_the_archived_delivery(
    defs, instance, project_env, warehouse, tmp_path, monkeypatch
):
    deliver(project_env, FAULTY_DAY)
    path = _catalog(project_env)
    lines = path.read_text().splitlines()
    renamed = [lines[0].replace(",brand,", ",manufacturer,"), *lines[1:]]
    path.write_text("\n".join(renamed) + "\n")
    assert "raw_catalog" not in materialized(run_job(defs, instance, RAW_JOB))  # refused
    assert _manifest(warehouse)["status"].tolist() == ["rejected"]
    path.unlink()  # the landing copy is gone; the archive is what replay reads

    # The fix: the contract now says the vendor's column is called manufacturer.
    fixed = _fixed_definitions(
        tmp_path,
        monkeypatch,
        ("  brand:", "  manufacturer:"),
        ("trim(brand)", "trim(manufacturer)"),
    )
    replayed = run_job(fixed, instance, run_config=REPLAY)
    assert evaluations(replayed)["raw_catalog.delivery_accepted"].passed
    assert _manifest(warehouse)["status"].tolist() == ["loaded"]
    # Both attempts on record, the first superseded by the replay; the delivered name kept.
    loads = warehouse.query(
        "select distinct load_id, status, replay, superseded_by from dq_loads "
        "where source = 'catalog' order by replay"
    )
    assert loads["status"].tolist() == ["rejected", "loaded"]
    assert loads["superseded_by"].tolist() == [loads["load_id"][1], None]
    names = warehouse.query("select distinct _source_file as f from raw_catalog")["f"].tolist()
    assert names == ["catalog.csv"]
    assert _manifest(warehouse, columns="original_name")["original_name"].tolist() == [
        "catalog.csv"
    ]
    assert warehouse.query("select count(*) as n from raw_catalog")["n"].item() == N_PRODUCTS
    assert assert_nothing_lost(warehouse, "catalog", FAULTY_DAY)["staged"] == N_PRODUCTS


def test_a_date_format_switch_is_diagnosed_and_fixed_by_declaring_the_format(
    defs, instance, project_env, start_from, warehouse, tmp_path, monkeypatch
):
    assert start_from(CLEAN_RAW_RUN).success
    deliver(project_env, FAULTY_DAY, Faults(epoch_dates=True))
    drifted = evaluations(run_job(defs, instance, RAW_JOB))
    assert drifted["raw_catalog.updated_at__format"].metadata["description"].value == (
        "catalog.updated_at in delivery 2026-11-28: 100% of values look like Unix epoch "
        "seconds; contract says dd/mm/yyyy (previous 1 deliveries matched)"
    )
    assert not drifted["raw_catalog.updated_at__type"].passed  # held at raw

    fixed = _fixed_definitions(
        tmp_path, monkeypatch, ("formats: [dd/mm/yyyy]", "formats: [dd/mm/yyyy, epoch_s]")
    )
    replayed = run_job(fixed, instance, run_config=REPLAY)
    checks = evaluations(replayed)
    assert checks["raw_catalog.updated_at__format"].passed
    assert checks["raw_catalog.updated_at__type"].passed
    assert checks["stg_catalog.updated_at__not_null"].passed
    assert replayed.success
    dates = warehouse.query("select count(*) as n, min(updated_at) as lo from stg_catalog")
    assert dates["n"].item() == N_PRODUCTS and dates["lo"].item().year >= 2024
    assert assert_nothing_lost(warehouse, "catalog", FAULTY_DAY)["staged"] == N_PRODUCTS


def test_an_added_column_is_reported_as_a_schema_change_but_loads(
    defs, instance, project_env, start_from, warehouse
):
    assert start_from(CLEAN_RAW_RUN).success
    deliver(project_env, FAULTY_DAY)
    path = _catalog(project_env)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",colour", *(f"{row},red" for row in lines[1:])]) + "\n")
    result = run_job(defs, instance)
    change = evaluations(result)["raw_catalog.column_schema_change"]
    assert not change.passed and change.severity.value == "WARN"
    assert "Added columns: colour" in change.metadata["description"].value
    assert result.success  # a WARN: the delivery still loads and training still runs
    assert assert_nothing_lost(warehouse, "catalog", FAULTY_DAY)["staged"] == N_PRODUCTS


def test_stale_data_in_a_fresh_file_fails_the_data_age_check(defs, instance, project_env):
    deliver(project_env, CLEAN_DAY)
    path = _catalog(project_env, CLEAN_DAY)
    lines = path.read_text().splitlines()
    path.write_text(
        "\n".join([lines[0], *(r.rsplit(",", 1)[0] + ",01/01/2020" for r in lines[1:])])
    )
    result = run_job(defs, instance, RAW_JOB)
    age = evaluations(result)["raw_catalog.updated_at__age"]
    assert not age.passed and age.severity.value == "WARN"
    assert age.metadata["description"].value == (
        "catalog.updated_at: newest value 2020-01-01 is 2522 day(s) older than delivery "
        "2026-11-27 (allowed 30)"
    )
    assert result.success  # informs; the late-delivery check is what blocks
