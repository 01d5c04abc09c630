"""Starting states shared by the pipeline tests of one process (one xdist worker).

Most pipeline tests begin the same way: a clean delivery, one run of a job, and only then the
delivery or the run the test is about. That first run takes 3-10 s of CPU and was repeated by
38 tests. `PipelineStates` runs a starting state once per process and hands each later
test a copy of it instead:

- the test's DQ files (warehouse, landing, archive, artifacts, reports), copied into its own
  tmp_path. The warehouse keeps absolute paths (`dq_manifest.archive_path`, the model
  registry's artifact paths), so every text value naming the first test's folder is rewritten
  to name this test's;
- the Dagster instance's runs, snapshots and events: its two in-memory SQLite databases are
  copied into the test's fresh in-memory instance (sqlite3's backup), with the same rewrite.
  The schema-change check, the training gate and the alert sensor read that history exactly
  as they read a history the test made itself.

A copy is what the run would have left (tests/integration/test_pipeline_states.py compares the
two); only the clock differs, so a test about times or ages must make its own first run.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from dq_pipelines.cli.sample_data import Faults
from dq_pipelines.storage.identifiers import quote_identifier

# What a run leaves in the project folder (conftest.project_env points the DQ_* paths here).
WAREHOUSE = "warehouse.duckdb"
PROJECT_FOLDERS = ("landing", "archive", "artifacts", "reports")


@dataclass(frozen=True)
class Start:
    """A starting state: these deliveries land, then one run of `job`."""

    deliveries: tuple[tuple[date, Faults], ...]
    job: str


@dataclass(frozen=True)
class Started:
    """What a test learns of the run that made its starting state."""

    run_id: str
    success: bool


@dataclass(frozen=True)
class _Saved:
    folder: Path  # the first test's project folder, as the saved values name it
    files: Path
    runs: sqlite3.Connection  # copies of the instance's two in-memory databases
    events: sqlite3.Connection
    started: Started


class PipelineStates:
    """Saved starting states of one process, keyed by what made them (the `start_from` fixture
    in conftest.py builds the key: the Start, the project files and the DQ_* settings)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._saved: dict[tuple, _Saved] = {}

    def start(
        self,
        key: tuple,
        project: Path,
        instance: dg.DagsterInstance,
        make: Callable[[], Started],
    ) -> Started:
        """Bring `project` and `instance` (both fresh) to the state `make` leads to."""
        assert not instance.get_runs() and not (project / WAREHOUSE).exists(), "not fresh"
        saved = self._saved.get(key)
        if saved is None:
            started = make()
            self._saved[key] = self._save(project, instance, started)
            return started
        self._restore(saved, project, instance)
        return saved.started

    def _save(self, project: Path, instance: dg.DagsterInstance, started: Started) -> _Saved:
        files = self._root / f"state{len(self._saved)}"
        _copy_project_files(project, files)
        runs, events = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
        _database(instance.run_storage).backup(runs)
        _database(instance.event_log_storage).backup(events)
        return _Saved(project, files, runs, events, started)

    def _restore(self, saved: _Saved, project: Path, instance: dg.DagsterInstance) -> None:
        # Every saved path is of a file below the folder; the slash keeps test_a0 from matching
        # inside test_a01.
        old, new = f"{saved.folder}/", f"{project}/"
        _copy_project_files(saved.files, project)
        _rewrite_warehouse(project / WAREHOUSE, old, new)
        for copy, storage in (
            (saved.runs, instance.run_storage),
            (saved.events, instance.event_log_storage),
        ):
            database = _database(storage)
            copy.backup(database)
            _rewrite_sqlite(database, old, new)
        # The storage numbers its events for the cursors it hands watchers; go on from the copy's.
        ((last,),) = (
            _database(instance.event_log_storage)
            .execute("select coalesce(max(id), 0) from event_logs")
            .fetchall()
        )
        instance.event_log_storage._storage_id = last


def _database(storage) -> sqlite3.Connection:
    """The sqlite3 connection that Dagster's in-memory run or event-log storage (what
    `DagsterInstance.ephemeral()` uses) holds open for its life, to its named in-memory database.

    Private (`_held_conn`): copying the database takes milliseconds, where storing a run's ~400
    events again through `instance.store_event` took about a second. If Dagster changes it,
    every test that starts from a saved state fails here, and test_pipeline_states says why.
    """
    return storage._held_conn.connection.driver_connection


def _copy_project_files(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.name in PROJECT_FOLDERS:
            shutil.copytree(path, target / path.name, symlinks=True)
        elif path.name.startswith(WAREHOUSE):  # the database and any write-ahead log
            shutil.copy2(path, target / path.name)


def _rewrite_sqlite(database: sqlite3.Connection, old: str, new: str) -> None:
    """As `_rewrite_warehouse`, in Dagster's storage: its events and runs are JSON text."""
    tables = [t for (t,) in database.execute("select name from sqlite_master where type = 'table'")]
    for table in tables:
        for column in database.execute(f"pragma table_info({quote_identifier(table)})"):
            name, declared = column[1], column[2].upper()
            if "TEXT" in declared or "CHAR" in declared:
                database.execute(_rewrite_sql(quote_identifier(table), name), [old, new, old])
    database.commit()


def _rewrite_warehouse(path: Path, old: str, new: str) -> None:
    """Every text value naming the first test's folder names this test's instead."""
    if not path.exists():
        return
    with duckdb.connect(str(path)) as conn:
        columns = conn.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "join information_schema.tables using (table_catalog, table_schema, table_name) "
            "where table_type = 'BASE TABLE' and data_type = 'VARCHAR'"
        ).fetchall()
        for schema, table, column in columns:
            qualified = f"{quote_identifier(schema)}.{quote_identifier(table)}"
            conn.execute(_rewrite_sql(qualified, column), [old, new, old])


def _rewrite_sql(table: str, column: str) -> str:
    """The statement both rewrites run (SQLite and DuckDB alike): parameters old, new, old."""
    name = quote_identifier(column)
    return f"update {table} set {name} = replace({name}, ?, ?) where instr({name}, ?) > 0"
