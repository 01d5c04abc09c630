"""`dq-pipelines scorecard` renders the page from the configured warehouse."""

import duckdb
from click.testing import CliRunner
from scorecard_rows import add_history, add_records

from dq_pipelines.cli import main
from dq_pipelines.storage.ops_tables import ensure_ops_tables


def _warehouse(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as c:
        ensure_ops_tables(c)
        add_history(c)
        add_records(c)
    monkeypatch.setenv("DQ_DUCKDB_PATH", str(path))
    monkeypatch.setenv("DQ_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("DQ_DAGSTER_URL", "http://dagster.test")
    return path


def test_scorecard_writes_the_page_to_the_reports_dir_or_out(tmp_path, monkeypatch):
    _warehouse(tmp_path, monkeypatch)
    done = CliRunner().invoke(main, ["scorecard"])
    assert done.exit_code == 0, done.output
    page = tmp_path / "reports" / "scorecard.html"
    assert f"scorecard written to {page}" in done.output
    assert page.read_text().count("<svg") == 10  # scorecard_rows: see test_scorecard_html
    out = tmp_path / "elsewhere" / "card.html"
    done = CliRunner().invoke(main, ["scorecard", "--out", str(out), "--runs", "1"])
    assert done.exit_code == 0, done.output
    assert "over the last 1 runs" in out.read_text()


def test_scorecard_of_a_new_warehouse_says_no_runs_yet(tmp_path, monkeypatch):
    monkeypatch.setenv("DQ_DUCKDB_PATH", str(tmp_path / "new" / "w.duckdb"))
    out = tmp_path / "card.html"
    done = CliRunner().invoke(main, ["scorecard", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "No runs yet." in out.read_text()


def test_scorecard_refuses_a_window_of_no_runs(tmp_path, monkeypatch):
    _warehouse(tmp_path, monkeypatch)
    done = CliRunner().invoke(main, ["scorecard", "--runs", "0"])
    assert done.exit_code == 2 and "--runs" in done.output
    assert not (tmp_path / "reports").exists()
