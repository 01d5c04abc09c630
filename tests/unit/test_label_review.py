"""The label review queue: flags queued once, refreshed, and a person's verdict respected."""

import duckdb
import pytest
from click.testing import CliRunner

from dq_pipelines.checks.label_review import (
    Flag,
    confirmed_correct,
    pending_reviews,
    queue_flags,
    record_verdict,
)
from dq_pipelines.cli import main
from dq_pipelines.storage.ops_tables import ensure_ops_tables


@pytest.fixture
def conn(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as c:
        ensure_ops_tables(c)
        yield c


def _flag(item: str, label: str = "lamps", confidence: float = 0.1) -> Flag:
    return Flag(item, label, "desks", confidence, f"text of {item}")


def test_a_flag_is_queued_once_and_refreshed_when_flagged_again(conn):
    assert (
        queue_flags(conn, "training_set", "audit", [_flag("p1"), _flag("p2", confidence=0.05)]) == 2
    )
    assert queue_flags(conn, "training_set", "audit", [_flag("p1", confidence=0.2)]) == 2
    rows = conn.execute(
        "select item_id, times_flagged, confidence, first_flagged_at <= last_flagged_at "
        "from dq_label_review order by item_id"
    ).fetchall()
    assert rows == [("p1", 2, 0.2, True), ("p2", 1, 0.05, True)]
    assert list(pending_reviews(conn, "training_set")["item_id"]) == ["p2", "p1"]  # worst first


def test_a_verdict_settles_the_item_and_correct_ones_are_remembered_with_their_label(conn):
    queue_flags(conn, "training_set", "audit", [_flag("p1"), _flag("p2")])
    assert record_verdict(conn, "training_set", "p1", "correct", "ana") == 1
    assert record_verdict(conn, "training_set", "p2", "wrong", "ana") == 1
    assert record_verdict(conn, "training_set", "p2", "wrong", "ana") == 0  # nothing pending
    assert confirmed_correct(conn, "training_set") == {("p1", "lamps")}
    queue_flags(conn, "training_set", "audit", [_flag("p2")])  # flagged again: verdict kept
    verdict = conn.execute("select verdict from dq_label_review where item_id = 'p2'").fetchone()
    assert verdict == ("wrong",)
    with pytest.raises(ValueError, match="verdict must be one of"):
        record_verdict(conn, "training_set", "p1", "maybe", "ana")


def test_the_review_verbs_list_and_mark(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    monkeypatch.setenv("DQ_DUCKDB_PATH", str(path))
    with duckdb.connect(str(path)) as c:
        ensure_ops_tables(c)
        queue_flags(c, "training_set", "audit", [_flag("p9")])
    runner = CliRunner()
    listed = runner.invoke(main, ["review", "list"])
    assert listed.exit_code == 0 and "p9: labelled 'lamps', looks like 'desks'" in listed.output
    marked = runner.invoke(main, ["review", "mark", "p9", "correct", "--reviewer", "ana"])
    assert marked.exit_code == 0, marked.output
    assert runner.invoke(main, ["review", "list"]).output.strip() == "nothing to review"
    again = runner.invoke(main, ["review", "mark", "p9", "correct"])
    assert again.exit_code != 0 and "no pending review for item 'p9'" in again.output
    bad = runner.invoke(main, ["review", "mark", "p9", "maybe"])
    assert bad.exit_code == 2 and "maybe" in bad.output
