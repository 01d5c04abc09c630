"""Issue 10 finding 8: an append source keeps every delivery (feedback is daily increments).

Loading day 2 of a snapshot source replaces day 1 everywhere downstream; feedback is declared
`mode: append` with a key, so its raw and staging tables hold every day, a corrected
re-delivery of a date replaces only that date's rows, a row re-sent under a later date is
caught by its key, and the row accounting still proves nothing lost.
"""

import shutil
from datetime import timedelta

import pytest
from pipeline_support import CLEAN_DAY, CLEAN_INGEST_RUN, assert_nothing_lost, deliver, run_job

pytestmark = pytest.mark.slow
DAY_2 = CLEAN_DAY + timedelta(days=1)


def _rows_by_day(warehouse, table: str) -> dict[str, int]:
    counted = warehouse.query(
        f"select _delivery_date::varchar as d, count(*) as n from {table} group by 1 order by 1"
    )
    return dict(zip(counted["d"], counted["n"], strict=True))


def _feedback_file(project_env, day):
    (path,) = (project_env / "landing" / "feedback" / str(day)).glob("*.csv")
    return path


def test_an_append_source_keeps_every_delivery_and_replaces_a_redelivered_date(
    defs, instance, project_env, start_from, warehouse
):
    assert start_from(CLEAN_INGEST_RUN).success
    deliver(project_env, DAY_2)
    assert run_job(defs, instance, "ingest_job").success

    raw, staged = _rows_by_day(warehouse, "raw_feedback"), _rows_by_day(warehouse, "stg_feedback")
    assert set(raw) == {str(CLEAN_DAY), str(DAY_2)}, raw  # day 1 kept beside day 2
    assert raw == staged
    catalog = _rows_by_day(warehouse, "raw_catalog")
    assert set(catalog) == {str(DAY_2)}, catalog  # a snapshot source still replaces
    for day in (CLEAN_DAY, DAY_2):
        assert_nothing_lost(warehouse, "feedback", day)

    # A corrected re-delivery of day 2 (one impression fewer) replaces day 2's rows only.
    path = _feedback_file(project_env, DAY_2)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))
    assert run_job(defs, instance, "ingest_job").success
    after = _rows_by_day(warehouse, "raw_feedback")
    assert after == {str(CLEAN_DAY): raw[str(CLEAN_DAY)], str(DAY_2): raw[str(DAY_2)] - 1}
    assert_nothing_lost(warehouse, "feedback", DAY_2)
    statuses = warehouse.query(
        "select delivery_date::varchar as d, status from dq_loads where source = 'feedback' "
        "order by started_at"
    )
    assert list(statuses.itertuples(index=False, name=None)) == [
        (str(CLEAN_DAY), "loaded"),  # another date: not superseded by the later loads
        (str(DAY_2), "replaced"),
        (str(DAY_2), "loaded"),
    ]


def test_rows_an_earlier_date_published_are_caught_by_the_key(
    defs, instance, project_env, start_from, warehouse
):
    assert start_from(CLEAN_INGEST_RUN).success
    day_3 = CLEAN_DAY + timedelta(days=2)
    resent = project_env / "landing" / "feedback" / str(day_3) / "feedback.csv"
    resent.parent.mkdir(parents=True)
    shutil.copy(_feedback_file(project_env, CLEAN_DAY), resent)
    resent.write_text(resent.read_text() + "\n")  # other bytes, the same impressions

    result = run_job(defs, instance, "ingest_job")
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    new = checks["key__new"]
    assert not new.passed and new.metadata["unexpected_count"].value > 0
    assert _rows_by_day(warehouse, "raw_feedback") == _rows_by_day(warehouse, "stg_feedback")
    assert str(day_3) not in _rows_by_day(warehouse, "raw_feedback")  # held: above 2%
    assert_nothing_lost(warehouse, "feedback", day_3)
