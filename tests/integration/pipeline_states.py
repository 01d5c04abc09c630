"""Starting states shared by the pipeline tests of one pytest session (all its xdist workers).

Most pipeline tests begin the same way: a clean delivery, one run of a job, and only then the
delivery or the run the test is about. That first run takes 3-10 s of CPU and was repeated by
38 tests. `PipelineStates` runs a starting state once per session and hands each later
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

The saved states are files in a folder the session's workers share: the first worker to ask
for a state makes it while holding that state's lock (`fcntl.flock`); another worker asking
meanwhile waits for it, as it would otherwise spend the same time making its own.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
from project_paths import PROJECT_FOLDERS, WAREHOUSE

from dq_pipelines.cli.sample_data import Faults
from dq_pipelines.storage.identifiers import quote_identifier

# What a saved state's folder holds besides those files (in files/).
STARTED, RUNS, EVENTS = "started.json", "runs.sqlite", "events.sqlite"


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


class PipelineStates:
    """Saved starting states of one session, keyed by what made them (the `start_from` fixture
    in conftest.py builds the key: the Start, the project files and the DQ_* settings)."""

    def __init__(self, root: Path) -> None:
        self._root = root  # shared by the session's workers

    def start(
        self,
        key: tuple,
        project: Path,
        instance: dg.DagsterInstance,
        make: Callable[[], Started],
    ) -> Started:
        """Bring `project` and `instance` (both fresh) to the state `make` leads to."""
        assert not instance.get_runs() and not (project / WAREHOUSE).exists(), "not fresh"
        saved = self._root / hashlib.sha256(repr(key).encode()).hexdigest()[:16]
        with _locked(saved.with_suffix(".lock")):
            if (saved / STARTED).exists():
                return _restore(saved, project, instance)
            started = make()
            _save(saved, project, instance, started)
            return started


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        yield


def _storages(instance: dg.DagsterInstance) -> tuple[tuple[str, object], ...]:
    """The instance's two in-memory storages, by the file a saved state keeps each in."""
    return ((RUNS, instance.run_storage), (EVENTS, instance.event_log_storage))


def _save(saved: Path, project: Path, instance: dg.DagsterInstance, started: Started) -> None:
    shutil.rmtree(saved, ignore_errors=True)  # what an earlier save left half-way
    _copy_project_files(project, saved / "files")
    for name, storage in _storages(instance):
        with closing(sqlite3.connect(saved / name)) as copy:
            _database(storage).backup(copy)
    # Written last: a state without it (its maker failed half-way) is made again.
    (saved / STARTED).write_text(json.dumps({"folder": str(project), **asdict(started)}))


def _restore(saved: Path, project: Path, instance: dg.DagsterInstance) -> Started:
    record = json.loads((saved / STARTED).read_text())
    # Every saved path is of a file below the folder; the slash keeps test_a0 from matching
    # inside test_a01.
    old, new = f"{record.pop('folder')}/", f"{project}/"
    _copy_project_files(saved / "files", project)
    _rewrite_warehouse(project / WAREHOUSE, old, new)
    for name, storage in _storages(instance):
        database = _database(storage)
        with closing(sqlite3.connect(saved / name)) as copy:
            copy.backup(database)
        _rewrite_sqlite(database, old, new)
    # The storage numbers its events for the cursors it hands watchers; go on from the copy's.
    ((last,),) = (
        _database(instance.event_log_storage)
        .execute("select coalesce(max(id), 0) from event_logs")
        .fetchall()
    )
    instance.event_log_storage._storage_id = last
    return Started(**record)


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
