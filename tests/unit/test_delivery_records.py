"""Issue 10, finding 5: every arrival on record, every load attempt its own record.

Fast: the write step (landing/delivery_step.py) on a small DuckDB file, the publication
decided by hand instead of by an audit.
"""

import os
from datetime import date
from pathlib import Path

import pytest

from dq_pipelines.declared.contracts import SourceContract, parse_contract
from dq_pipelines.landing.archive import archived_delivery
from dq_pipelines.landing.delivery_step import write_delivery
from dq_pipelines.landing.ingest import LandingZone
from dq_pipelines.storage.warehouse import DuckDBWarehouse
from dq_pipelines.wap.decide import PUBLISHED
from dq_pipelines.wap.publish import Publication

DAY1, DAY2 = date(2026, 1, 1), date(2026, 1, 2)
CONTRACT = """
name: things
path_pattern: "things/{{delivery_date}}/*.csv"
columns:
  id: {{type: varchar}}
  {name}: {{type: varchar}}
"""
GOOD = "id,name\n1,a\n2,b\n"
RENAMED = "id,label\n1,a\n2,b\n"


class Setup:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.landing = LandingZone(
            path=str(tmp_path / "landing"), archive_path=str(tmp_path / "archive")
        )
        self.warehouse = DuckDBWarehouse(path=str(tmp_path / "wh.duckdb"))
        self.runs = 0

    def contract(self, name_column: str = "name") -> SourceContract:
        path = self.tmp / name_column / "things.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(CONTRACT.format(name=name_column))
        return parse_contract(path)

    def land(self, day: date, text: str, name: str = "things.csv") -> Path:
        path = self.landing.root / "things" / str(day) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def ingest(self, day: date, replay: bool = False, contract: SourceContract | None = None):
        """One write step and, if something was staged, its publication."""
        self.runs += 1
        written = write_delivery(
            self.warehouse,
            self.landing,
            contract or self.contract(),
            f"run{self.runs}",
            day,
            replay,
            lambda _: False,
        )
        metadata = dict(written.metadata)
        if written.staged is not None:
            rows = written.staged.rows
            with self.warehouse.connect() as conn:
                source_files = conn.execute(
                    f"select distinct _source_file from {written.staged.sql}"
                ).fetchall()
                publication = Publication("raw_things", PUBLISHED, rows, rows, 0, 0.0, "ok")
                written.on_publish(conn, publication)
            metadata |= written.published_metadata(publication)
            metadata["staged_source_files"] = sorted(f for (f,) in source_files)
        return metadata

    def rows(self, sql: str) -> list[tuple]:
        with self.warehouse.connect() as conn:
            return conn.execute(sql).fetchall()


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return Setup(tmp_path)


MANIFEST = (
    "select delivery_date::varchar, original_name, status, load_id, duplicate_of "
    "from dq_manifest order by arrived_at, original_name"
)


def test_a_replay_keeps_the_earlier_attempt_and_the_original_name(setup):
    setup.land(DAY1, RENAMED)
    first = setup.ingest(DAY1)
    assert first["delivery_status"] == "rejected"
    replayed = setup.ingest(DAY1, replay=True, contract=setup.contract("label"))
    assert replayed["delivery_status"] == "loaded"
    assert replayed["files"] == ["things.csv"]
    assert replayed["staged_source_files"] == ["things.csv"]  # not the archive's hash name
    assert setup.rows(MANIFEST) == [
        ("2026-01-01", "things.csv", "loaded", replayed["load_id"], None)
    ]
    loads = setup.rows(
        "select load_id, status, reason is not null, replay, superseded_by from dq_loads "
        "order by started_at"
    )
    assert loads == [
        (first["load_id"], "rejected", True, False, replayed["load_id"]),
        (replayed["load_id"], "loaded", False, True, None),
    ]


def test_bytes_rejected_on_one_date_and_delivered_again_later_keep_both_records(setup):
    setup.land(DAY1, RENAMED)
    assert setup.ingest(DAY1)["delivery_status"] == "rejected"
    setup.land(DAY2, RENAMED)
    assert setup.ingest(DAY2)["delivery_status"] == "rejected"
    manifest = setup.rows(MANIFEST)
    assert [(d, s) for d, _, s, _, _ in manifest] == [
        ("2026-01-01", "rejected"),
        ("2026-01-02", "rejected"),
    ]
    with setup.warehouse.connect() as conn:
        assert len(archived_delivery(conn, "things", DAY1)) == 1  # replay --date still finds it
    fixed = setup.contract("label")
    assert setup.ingest(DAY1, replay=True, contract=fixed)["delivery_status"] == "loaded"


def test_a_byte_identical_redelivery_under_another_name_and_date_is_recorded(setup):
    setup.land(DAY1, GOOD)
    first = setup.ingest(DAY1)
    assert first["delivery_status"] == "loaded"
    setup.land(DAY2, GOOD, name="things_again.csv")
    again = setup.ingest(DAY2)
    assert again["delivery_status"] == "duplicate"
    assert setup.rows(MANIFEST) == [
        ("2026-01-01", "things.csv", "loaded", first["load_id"], None),
        ("2026-01-02", "things_again.csv", "duplicate", first["load_id"], first["load_id"]),
    ]
    assert setup.rows("select count(distinct load_id) from dq_loads") == [(1,)]  # not reloaded


def test_a_rerun_is_the_same_arrival_and_a_rewritten_file_a_new_one(setup):
    path = setup.land(DAY1, GOOD)
    setup.ingest(DAY1)
    assert setup.ingest(DAY1)["delivery_status"] == "duplicate"  # the same file, seen again
    assert len(setup.rows(MANIFEST)) == 1
    os.utime(path, ns=(1, 1))  # the sender wrote it anew, same bytes
    assert setup.ingest(DAY1)["delivery_status"] == "duplicate"
    assert [s for _, _, s, _, _ in setup.rows(MANIFEST)] == ["loaded", "duplicate"]


def test_a_rerun_of_a_rejected_file_is_another_attempt_at_the_same_arrival(setup):
    setup.land(DAY1, RENAMED)
    first = setup.ingest(DAY1)
    second = setup.ingest(DAY1)
    assert second["delivery_status"] == "rejected"
    assert len(setup.rows(MANIFEST)) == 1
    assert setup.rows("select load_id, superseded_by from dq_loads order by started_at") == [
        (first["load_id"], second["load_id"]),
        (second["load_id"], None),
    ]


def test_a_corrected_redelivery_marks_the_superseded_load(setup):
    setup.land(DAY1, "id,name\n1,a\n2,\n")
    first = setup.ingest(DAY1)
    setup.land(DAY1, GOOD)
    second = setup.ingest(DAY1)
    assert [s for _, _, s, _, _ in setup.rows(MANIFEST)] == ["replaced", "loaded"]
    assert setup.rows("select load_id, status, superseded_by from dq_loads order by 1") == sorted(
        [(first["load_id"], "replaced", second["load_id"]), (second["load_id"], "loaded", None)]
    )
    with setup.warehouse.connect() as conn:  # replay --date reads the newest arrival
        (path,) = archived_delivery(conn, "things", DAY1)
    assert path.read_text() == GOOD
