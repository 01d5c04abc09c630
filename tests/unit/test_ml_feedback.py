"""The feedback checks (ctr_drop, feedback_profile) on small DuckDB tables, their options
refused at load, and the sample generator's CTR-drop fault (no pipeline run)."""

from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dq_pipelines.checks.ml_checks import MlChecks
from dq_pipelines.cli import main
from dq_pipelines.cli.sample_data import Faults, generate_delivery
from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.declared.ml_check_schema import MlCheckFileModel
from dq_pipelines.declared.ml_checks import MlCheckSpec, parse_ml_checks
from dq_pipelines.declared.project import load_project
from dq_pipelines.stats.ranking import judgements_from_feedback

SECRET_QUERY = "anna berg 07700 900123"  # the query column is sensitive: never shown
FEEDBACK_SCHEMA = {
    "query": "VARCHAR", "product_id": "VARCHAR", "rank": "INTEGER", "clicked": "INTEGER",
    "thumbs": "VARCHAR", "event_at": "TIMESTAMP",
}  # fmt: skip


def _spec(name: str, **options) -> MlCheckSpec:
    model = MlCheckFileModel.model_validate({"checks": {name: options}})
    return MlCheckSpec("stg_feedback", name, model.checks[name], Path("stg_feedback.yaml"))


def _outcome(conn: duckdb.DuckDBPyConnection, frame: pd.DataFrame, spec: MlCheckSpec):
    conn.execute("create or replace table f as select * from frame")
    (outcome,) = MlChecks("stg_feedback", (spec,), staged=True)(conn, '"main"."f"')
    return outcome


def _feedback(seed: int, queries: int, current_factor: float = 1.0, days: int = 8, **extra):
    """`days` days of 10-result searches, CTR 0.4 / rank**0.8 (times current_factor on the
    last day), as the feedback contract types them."""
    rng = np.random.default_rng(seed)
    n = days * queries * 10
    rank = np.tile(np.arange(1, 11), days * queries)
    day = np.repeat(np.arange(days), queries * 10)
    clicked = rng.random(n) < 0.4 / rank**0.8 * np.where(day == days - 1, current_factor, 1.0)
    u = rng.random(n)
    thumbs = np.where(clicked & (u < 0.2), "up", np.where(u > 0.99, "down", None))
    at = np.datetime64("2026-11-01T00:00:00") + (day * 86_400 + (u * 86_000).astype(int))
    query = np.where(np.arange(n) // 10 % 2 == 0, SECRET_QUERY, "oak desk")
    return pd.DataFrame(
        {"query": query, "product_id": [f"P{r}" for r in rank], "rank": rank,
         "clicked": clicked.astype(int), "thumbs": thumbs, "event_at": at, **extra}
    )  # fmt: skip


@pytest.fixture
def conn():
    with duckdb.connect() as c:
        yield c


CTR_DROP = {"kind": "ctr_drop", "relative_drop": 0.2, "min_impressions": 1000, "alpha": 0.01}


def test_ctr_drop_fires_on_a_real_drop_with_both_ctrs_and_the_sample_size(conn):
    outcome = _outcome(conn, _feedback(1, 400, current_factor=0.6), _spec("d", **CTR_DROP))
    d = outcome.details
    assert not outcome.passed and outcome.severity == "WARN"  # WARN by default
    assert d["current_impressions"] == 4000 and d["baseline_impressions"] == 7 * 4000
    assert d["current_ctr"] < 0.7 * d["baseline_ctr"] and d["p_value"] < 0.01
    assert d["relative_drop"] == outcome.observed_value > 0.3
    assert d["current_window"] == "2026-11-08 to 2026-11-08"
    assert d["baseline_window"] == "2026-11-01 to 2026-11-07"
    assert "significant drop" in outcome.description and d["summary"] in outcome.description
    assert SECRET_QUERY not in str(outcome) and d["shows_values_of"] == []


@pytest.mark.parametrize("seed", [2, 3, 4, 5])
def test_ctr_drop_stays_quiet_on_noise(conn, seed):
    outcome = _outcome(conn, _feedback(seed, 400), _spec("d", **CTR_DROP))
    assert outcome.passed, outcome.description
    assert outcome.details["relative_drop"] < 0.2


def test_ctr_drop_does_not_judge_a_handful_of_impressions(conn):
    few = _feedback(1, 20, current_factor=0.2)  # 200 impressions a day, CTR down 80%
    outcome = _outcome(conn, few, _spec("d", **CTR_DROP))
    assert outcome.passed and "too few impressions" in outcome.description
    assert outcome.details["relative_drop"] > 0.5


def test_ctr_drop_windows_follow_the_options_and_an_empty_table_passes(conn):
    # the drop is on the last day only: two current days against six halve it, still a drop
    wide = _spec("d", **CTR_DROP | {"current_days": 2, "baseline_days": 6, "relative_drop": 0.5})
    outcome = _outcome(conn, _feedback(1, 400, current_factor=0.6), wide)
    assert outcome.passed and outcome.details["current_impressions"] == 8000
    assert outcome.details["baseline_impressions"] == 6 * 4000
    empty = _outcome(conn, _feedback(1, 400).iloc[:0], _spec("d", **CTR_DROP))
    assert empty.passed and "No impressions" in empty.description


def test_feedback_profile_reports_position_bias_rates_and_judgement_volume(conn):
    frame = _feedback(1, 300)
    outcome = _outcome(conn, frame, _spec("p", kind="feedback_profile", window_days=7))
    d = outcome.details
    assert outcome.passed and outcome.severity == "WARN"  # nothing declared: informs only
    table = d["ctr_by_rank"].value
    assert table.startswith("| rank | impressions | clicks | ctr |") and table.count("\n") == 11
    assert d["daily"].value.count("\n") == 1 + 7  # the window's seven days
    week = frame[frame["event_at"] >= np.datetime64("2026-11-02")]
    assert outcome.element_count == len(week)
    assert d["top_ctr"]["all"] == round(week[week["rank"] == 1]["clicked"].mean(), 4)
    assert d["explicit_ratio"] == round(week["thumbs"].notna().mean(), 4)
    expected = judgements_from_feedback(frame)  # the whole table, not just the window
    assert (d["judged_pairs"], d["clicked_pairs"], d["thumbs_up_pairs"]) == (
        expected.pairs, expected.clicked_pairs, expected.thumbs_up_pairs,
    )  # fmt: skip
    assert d["thumbs_down_pairs_excluded"] == expected.thumbs_down_pairs_excluded
    assert f"{expected.pairs:,} (query, product) pairs" in outcome.description
    assert SECRET_QUERY not in str(outcome)


def test_feedback_profile_fails_only_on_a_declared_condition(conn):
    frame = _feedback(1, 300)
    floor = _outcome(conn, frame, _spec("p", kind="feedback_profile", min_top_ctr=0.6))
    assert not floor.passed and "below the 60.0% floor" in floor.description
    assert _outcome(conn, frame, _spec("p", kind="feedback_profile", min_top_ctr=0.3)).passed
    pairs = _outcome(conn, frame, _spec("p", kind="feedback_profile", min_judged_pairs=10**6))
    assert not pairs.passed and "fewer judged pairs" in pairs.description


def test_feedback_profile_per_model_version_when_declared(conn):
    frame = _feedback(1, 300, model_version=np.repeat(["v1", "v2"], 300 * 10 * 4))
    spec = _spec("p", kind="feedback_profile", version_column="model_version", min_top_ctr=0.3)
    outcome = _outcome(conn, frame, spec)
    assert set(outcome.details["top_ctr"]) == {"v1", "v2"}
    assert "| model_version | rank |" in outcome.details["ctr_by_rank"].value
    assert "| day | model_version |" in outcome.details["daily"].value


def _parse(tmp_path: Path, text: str):
    path = tmp_path / "stg_feedback.yaml"
    path.write_text(text)
    return parse_ml_checks(path, FEEDBACK_SCHEMA)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("checks:\n  d: {kind: ctr_drop, relative_drop: 1.5}\n", "checks.d.ctr_drop.relative_drop"),
        ("checks:\n  d: {kind: ctr_drop, current_days: 0}\n", "current_days"),
        ("checks:\n  d: {kind: ctr_drop, alpha: 0}\n", "alpha"),
        ("checks:\n  d: {kind: ctr_drop, min_impressions: many}\n", "min_impressions"),
        ("checks:\n  d: {kind: ctr_drop, relative_drops: 0.2}\n", "relative_drop"),
        ("checks:\n  d: {kind: ctr_drop, time_column: shown_at}\n", "no column(s) ['shown_at']"),
        ("checks:\n  p: {kind: feedback_profile, min_top_ctr: 2}\n", "min_top_ctr"),
        ("checks:\n  p: {kind: feedback_profile, version_column: model}\n", "['model']"),
    ],
)
def test_bad_feedback_options_are_refused_naming_the_file_and_key(tmp_path, text, said):
    with pytest.raises(DefinitionFileError) as error:
        _parse(tmp_path, text)
    assert "stg_feedback.yaml" in str(error.value) and said in str(error.value)


def test_the_projects_feedback_checks_load_at_warn_and_block_nothing():
    project = load_project()
    declared = {(c.asset, c.name): c.severity for c in project.checks}
    assert declared[("stg_feedback", "ctr__drop")] == "WARN"
    assert declared[("stg_feedback", "feedback__profile")] == "WARN"
    assert not project.is_blocking("stg_feedback", "WARN")
    # An ERROR check would block: the feedback gives the classifier its weak labels.
    assert project.is_blocking("stg_feedback", "ERROR")


def _sample_day(tmp_path: Path, offset: int, seed: int, faults: Faults) -> pd.DataFrame:
    """One sample feedback delivery, as the contract types it."""
    day = date(2026, 11, 20) + timedelta(days=offset)
    report = generate_delivery(
        tmp_path / str(faults), day, n_products=800, seed=seed, faults=faults
    )
    return pd.read_csv(report.files["feedback"], parse_dates=["event_at"])


@pytest.mark.parametrize("seed", [7, 11])
def test_the_declared_check_passes_clean_sample_days_and_fires_on_the_fault(conn, tmp_path, seed):
    (spec,) = [c for c in load_project().ml_checks["stg_feedback"] if c.kind == "ctr_drop"]
    before = [_sample_day(tmp_path, offset, seed, Faults()) for offset in (0, 1)]
    clean = _outcome(conn, pd.concat([*before, _sample_day(tmp_path, 2, seed, Faults())]), spec)
    assert clean.passed and clean.details["current_impressions"] >= 1000, clean.description
    dropped = _sample_day(tmp_path, 2, seed, Faults(ctr_drop=0.5))
    faulty = _outcome(conn, pd.concat([*before, dropped]), spec)
    assert not faulty.passed and faulty.details["relative_drop"] > 0.35, faulty.description
    # The sample service logs the ranker that served each impression: the alert names it.
    assert faulty.details["current_versions"] == ["sample-ranker-2"]
    assert faulty.details["baseline_versions"] == ["sample-ranker-1"]
    assert "Served by sample-ranker-2 (baseline: sample-ranker-1)." in faulty.description
    assert clean.details["current_versions"] == clean.details["baseline_versions"]


def test_ctr_drop_without_a_version_column_names_no_version(conn):
    outcome = _outcome(conn, _feedback(1, 400, current_factor=0.6), _spec("d", **CTR_DROP))
    assert "current_versions" not in outcome.details and "Served by" not in outcome.description
    logged = _feedback(1, 400, current_factor=0.6, model_version=None)
    spec = _spec("d", **CTR_DROP, version_column="model_version")
    unlogged = _outcome(conn, logged, spec)
    assert "Served by no logged version (baseline: no logged version)" not in unlogged.description
    assert unlogged.details["current_versions"] == []


def test_the_ctr_drop_fault_lowers_clicks_only_and_is_refused_out_of_range(tmp_path):
    args = ["generate", "--landing", str(tmp_path), "--date", "2026-11-27", "--products", "400"]
    result = CliRunner().invoke(main, [*args, "--ctr-drop", "0.5"])
    assert result.exit_code == 0, result.output
    dropped = pd.read_csv(tmp_path / "feedback" / "2026-11-27" / "feedback.csv")
    clean = generate_delivery(tmp_path / "clean", date(2026, 11, 27), n_products=400)
    normal = pd.read_csv(clean.files["feedback"])
    assert dropped[["query", "product_id", "rank"]].equals(normal[["query", "product_id", "rank"]])
    assert set(normal["model_version"]) == {"sample-ranker-1"}
    assert set(dropped["model_version"]) == {"sample-ranker-2"}  # the release that broke it
    assert 0.35 < dropped["clicked"].mean() / normal["clicked"].mean() < 0.65
    assert str(Faults(ctr_drop=0.5)) == "ctr_drop=0.5"
    with pytest.raises(ValueError, match="ctr_drop"):
        Faults(ctr_drop=1.5)
