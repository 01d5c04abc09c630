"""Starting states shared by the pipeline tests of one process (one xdist worker).

Most pipeline tests begin the same way: a clean delivery, one run of a job, and only then the
delivery or the run the test is about. That first run takes 3-10 s of CPU and was repeated by
some 40 tests. `PipelineStates` runs a starting state once per process and hands each later
test a copy of it instead:

- the test's DQ files (warehouse, landing, archive, artifacts, reports), copied into its own
  tmp_path. The warehouse keeps absolute paths (`dq_manifest.archive_path`, the model
  registry's artifact paths), so every text value naming the first test's folder is rewritten
  to name this test's;
- the Dagster instance's runs, snapshots and events, stored again into the test's fresh
  in-memory instance, with the same rewrite: the schema-change check, the training gate and
  the alert sensor read that history exactly as they read a history the test made itself.

A copy is what the run would have left (tests/integration/test_pipeline_states.py compares the
two); only the clock differs, so a test about times or ages must make its own first run.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from dq_pipelines.cli.sample_data import Faults

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
    runs: tuple[str, ...]  # serialized DagsterRuns, oldest first
    snapshots: tuple[str, ...]  # serialized job and execution-plan snapshots
    events: tuple[str, ...]  # serialized EventLogEntries, in storage order
    started: Started


class PipelineStates:
    """Saved starting states of one process, keyed by what made them (see `key`)."""

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
        runs = sorted(
            instance.get_runs(),
            key=lambda run: instance.get_run_record_by_id(run.run_id).create_timestamp,
        )
        storage = instance.run_storage
        snapshots = [
            snapshot
            for run in runs
            for snapshot in (
                run.job_snapshot_id and storage.get_job_snapshot(run.job_snapshot_id),
                run.execution_plan_snapshot_id
                and storage.get_execution_plan_snapshot(run.execution_plan_snapshot_id),
            )
            if snapshot
        ]
        events = [entry for run in runs for entry in instance.all_logs(run.run_id)]
        return _Saved(
            folder=project,
            files=files,
            runs=tuple(dg.serialize_value(r) for r in runs),
            snapshots=tuple(dg.serialize_value(s) for s in snapshots),
            events=tuple(dg.serialize_value(e) for e in events),
            started=started,
        )

    def _restore(self, saved: _Saved, project: Path, instance: dg.DagsterInstance) -> None:
        # Every saved path is of a file below the folder; the slash keeps test_a0 from matching
        # inside test_a01.
        old, new = f"{saved.folder}/", f"{project}/"
        _copy_project_files(saved.files, project)
        _rewrite_warehouse(project / WAREHOUSE, old, new)

        def load(text: str):
            return dg.deserialize_value(text.replace(old, new))

        for text in saved.snapshots:
            instance.run_storage.add_snapshot(load(text))
        for text in saved.runs:
            instance.add_run(load(text))
        for text in saved.events:
            instance.store_event(load(text))


def _copy_project_files(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.name in PROJECT_FOLDERS:
            shutil.copytree(path, target / path.name, symlinks=True)
        elif path.name.startswith(WAREHOUSE):  # the database and any write-ahead log
            shutil.copy2(path, target / path.name)


def _rewrite_warehouse(path: Path, old: str, new: str) -> None:
    """Every text value naming the first test's folder names this test's instead."""
    if not path.exists():
        return
    with duckdb.connect(str(path)) as conn:
        columns = conn.execute(
            "select table_name, column_name from information_schema.columns "
            "join information_schema.tables using (table_catalog, table_schema, table_name) "
            "where table_type = 'BASE TABLE' and data_type = 'VARCHAR'"
        ).fetchall()
        for table, column in columns:
            conn.execute(
                f'update "{table}" set "{column}" = replace("{column}", ?, ?) '
                f'where contains("{column}", ?)',
                [old, new, old],
            )
