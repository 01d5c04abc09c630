"""The scorecard's queries, each on hand-made rows of the dq_* tables."""

from datetime import date, datetime

import duckdb
import pytest
from scorecard_rows import T0, add_history, add_records, add_results, result

from dq_pipelines.declared.project import load_project
from dq_pipelines.report import scorecard_data as history
from dq_pipelines.report import scorecard_records as records
from dq_pipelines.report.scorecard import read_scorecard
from dq_pipelines.storage.ops_tables import ensure_ops_tables


@pytest.fixture
def conn():
    with duckdb.connect(":memory:") as c:
        ensure_ops_tables(c)
        yield c


def _counts(rates: history.PassRates) -> list[tuple[int, int, int, int]]:
    return [(r.passed, r.warned, r.failed, r.blocked) for r in rates.runs]


def test_pass_rates_per_asset_cover_its_last_n_runs_oldest_first(conn):
    add_history(conn)
    by_asset = {r.name: r for r in history.asset_pass_rates(conn, runs=3)}
    assert set(by_asset) == {"raw_catalog", "stg_catalog", "raw_labels", "training_set"}
    assert [r.run_id[:6] for r in by_asset["raw_catalog"].runs] == ["run-01", "run-02", "run-03"]
    assert _counts(by_asset["raw_catalog"]) == [(2, 0, 0, 0), (1, 1, 0, 0), (1, 1, 0, 0)]
    assert _counts(by_asset["stg_catalog"])[-1] == (0, 0, 1, 0)
    assert by_asset["raw_catalog"].runs[-1].pass_rate == 0.5
    # A run in which every check was blocked has no pass rate, rather than 0 %.
    assert _counts(by_asset["training_set"])[-1] == (0, 0, 0, 2)
    assert by_asset["training_set"].runs[-1].pass_rate is None


def test_an_error_counts_as_a_failure(conn):
    add_results(conn, [result(0, "a", "c1", "error"), result(0, "a", "c2", "passed")])
    (rates,) = history.asset_pass_rates(conn, runs=20)
    assert _counts(rates) == [(1, 0, 1, 0)]


def test_source_pass_rates_sum_the_sources_assets_per_run(conn):
    add_history(conn)
    by_asset = history.asset_pass_rates(conn, runs=20)
    source_of = {"raw_catalog": "catalog", "stg_catalog": "catalog", "raw_labels": "labels"}
    by_source = {r.name: r for r in history.source_pass_rates(by_asset, source_of, runs=2)}
    assert set(by_source) == {"catalog", "labels"}  # training_set has two sources: in none
    assert _counts(by_source["catalog"]) == [(2, 1, 0, 0), (1, 1, 1, 0)]
    assert [r.run_id[:6] for r in by_source["labels"].runs] == ["run-02", "run-03"]


def test_worst_checks_put_the_most_failed_first_then_the_highest_percent(conn):
    add_history(conn)
    worst = history.worst_checks(conn, runs=20)
    assert [(w.asset, w.check_name, w.failures, w.evaluations) for w in worst] == [
        ("raw_catalog", "price__between", 2, 4),
        ("stg_catalog", "title__not_null", 1, 4),
    ]
    assert worst[0].worst_percent == 4.5 and worst[0].latest_status == "warned"
    assert worst[1].description == "title__not_null holds"
    # In the last run alone both failed once: the higher unexpected percent comes first.
    assert [w.check_name for w in history.worst_checks(conn, runs=1)] == [
        "title__not_null",
        "price__between",
    ]


def test_trends_are_drawn_only_for_checks_that_found_unexpected_values(conn):
    add_history(conn)
    trends, flat = history.unexpected_trends(conn, runs=20)
    assert [(t.asset, t.check_name) for t in trends] == [
        ("stg_catalog", "title__not_null"),  # peak 12.5 %
        ("raw_catalog", "price__between"),  # peak 4.5 %
    ]
    assert [p for _, p in trends[1].points] == [0.0, 1.5, 3.0, 4.5]
    assert trends[1].points[0][0] < trends[1].points[-1][0]
    assert flat == 3  # product_id__not_null, label__in_set, labels__missing: always 0 %
    limited, rest = history.unexpected_trends(conn, runs=20, limit=1)
    assert len(limited) == 1 and rest == 4


def test_freshness_compares_the_newest_published_delivery_with_any_sources(conn):
    add_records(conn)
    fresh = {f.source: f for f in records.freshness(conn, {"catalog": 0, "labels": 1, "x": 2})}
    catalog = fresh["catalog"]  # 3 Nov was held: the published one is 2 Nov, one day behind
    assert (catalog.latest_delivery, catalog.lag_days, catalog.fresh) == (
        date(2026, 11, 2),
        1,
        False,
    )
    assert catalog.arrived_at == datetime(2026, 11, 2, 5, 30)
    # The duplicate of 4 Nov is no delivery: the newest of any source is 3 Nov.
    assert (fresh["labels"].lag_days, fresh["labels"].fresh) == (0, True)
    assert (fresh["x"].latest_delivery, fresh["x"].lag_days, fresh["x"].fresh) == (
        None,
        None,
        False,
    )


def test_blocked_checks_and_held_publications_newest_first(conn):
    add_history(conn)
    add_records(conn)
    events = records.blocked_events(conn)
    assert [(e.asset, e.what, e.cause) for e in events] == [
        ("stg_catalog", "publication held", "2 of 16 rows fail"),
        ("training_set", "labels__missing, labels__suspicious", "stg_catalog.title__not_null"),
    ]
    assert events[1].run_id == "run-03-0123456789" and events[0].at > events[1].at


def test_open_quarantine_leaves_out_released_rows(conn):
    add_records(conn)
    (group,) = records.open_quarantine(conn)
    assert (group.asset, group.delivery_date, group.rows) == ("raw_catalog", date(2026, 11, 2), 2)
    assert group.failed_checks == ("id__unique", "price__between")


def test_review_queue_counts_pending_items_least_confident_first(conn):
    add_records(conn)
    pending, items = records.review_queue(conn, limit=1)
    assert pending == 2
    assert [(i.item_id, i.confidence) for i in items] == [("p2", 0.05)]


KEY_METRICS = {"category_model": ["accuracy", "macro_f1"]}


def test_without_a_champion_the_newest_version_is_shown_with_its_own_metrics(conn):
    add_records(conn)
    (card,) = records.current_models(conn, KEY_METRICS, 20)
    assert (card.model_version, card.status, card.training_rows) == ("v2", "challenger", 120)
    assert card.overall == (("accuracy", 0.91),)
    assert card.per_label == (("recall", "desks", 0.47), ("recall", "lamps", 0.82))


def test_the_champion_is_shown_and_its_key_metrics_by_version(conn):
    add_records(conn)
    conn.execute("update dq_model_registry set status = 'champion' where model_version = 'v1'")
    conn.execute(
        "update dq_model_registry set status = 'challenger', status_reason = 'golden failed' "
        "where model_version = 'v2'"
    )
    (card,) = records.current_models(conn, KEY_METRICS, 20)
    assert (card.model_version, card.status) == ("v1", "champion")
    assert card.overall == (("accuracy", 0.5),)
    accuracy, macro_f1 = card.trends
    assert [(v.model_version, v.status, v.value) for v in accuracy.versions] == [
        ("v1", "champion", 0.5),
        ("v2", "challenger", 0.91),
    ]
    assert accuracy.versions[1].status_reason == "golden failed"
    assert [v.value for v in macro_f1.versions] == [None, None]  # never measured
    (newest,) = records.current_models(conn, KEY_METRICS, 1)[0].trends[0].versions
    assert newest.model_version == "v2"  # the window: the last N versions


def test_an_empty_warehouse_reads_as_empty_sections(conn):
    card = read_scorecard(conn, load_project(), 20, T0)
    assert card.by_asset == card.by_source == card.worst == card.trends == ()
    assert card.blocked == card.quarantine == card.review_items == card.models == ()
    assert card.pending_reviews == 0
    assert {f.source for f in card.freshness} == set(load_project().contracts)
    assert all(f.latest_delivery is None and not f.fresh for f in card.freshness)


def test_the_scorecard_groups_assets_by_their_declared_source(conn):
    add_history(conn)
    add_results(conn, [result(0, "an_asset_no_longer_declared", "c", "failed")])
    card = read_scorecard(conn, load_project(), 20, T0)
    assert [s.name for s in card.by_source] == ["catalog", "labels"]
    assert "an_asset_no_longer_declared" in {a.name for a in card.by_asset}


@pytest.mark.parametrize("runs", [0, -3])
def test_a_window_of_no_runs_is_refused(conn, runs):
    with pytest.raises(ValueError, match="at least one run"):
        read_scorecard(conn, load_project(), runs, T0)
