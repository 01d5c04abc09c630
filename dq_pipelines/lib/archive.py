"""The landing archive: every delivered file kept, immutable, under its content hash.

A file is copied to `<archive>/<source>/<hash[:2]>/<hash><suffix>` before anything reads it, and
recorded in the `dq_manifest` table with its status: `staged` (being audited, or its run
failed before a decision), `loaded`, `rejected` (with the reason), `held` (parsed, but its
audit kept it out of the raw table; see publish.py),
or `replaced` (a corrected re-delivery of the same batch superseded it). Identical content is
stored once, so a re-delivery of the same bytes is recognised and not loaded twice.
"""

import hashlib
import os
import shutil
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

CHUNK = 1 << 20


@dataclass(frozen=True)
class ArchivedFile:
    source: str
    file_hash: str
    original_name: str
    archive_path: Path
    size_bytes: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def archive_file(archive_root: Path, source: str, path: Path) -> ArchivedFile:
    """Copy a delivered file into the archive (once per content) and make the copy read-only."""
    file_hash = sha256_of(path)
    target = archive_root / source / file_hash[:2] / f"{file_hash}{path.suffix}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".partial")
        shutil.copyfile(path, partial)
        os.chmod(partial, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        partial.rename(target)  # atomic: a reader never sees half a file
    return ArchivedFile(source, file_hash, path.name, target, path.stat().st_size)


def decided_hashes(conn: duckdb.DuckDBPyConnection, source: str) -> dict[str, tuple[str, str]]:
    """Content hashes of this source whose latest load was decided and is current: `loaded`,
    or `held` by its audit (only a replay stages those bytes again), with load id and status."""
    rows = conn.execute(
        "select file_hash, load_id, status from dq_manifest "
        "where source = ? and status in ('loaded', 'held')",
        [source],
    ).fetchall()
    return {file_hash: (load_id, status) for file_hash, load_id, status in rows}


def record(
    conn: duckdb.DuckDBPyConnection,
    files: list[ArchivedFile],
    delivery_date: date,
    load_id: str,
    status: str,
    reason: str | None = None,
) -> None:
    """Upsert the manifest rows of one load attempt."""
    conn.executemany(
        """insert or replace into dq_manifest
           values (?, ?, ?, ?, ?, ?, now(), ?, ?, ?)""",
        [
            (
                f.source,
                f.file_hash,
                delivery_date,
                f.original_name,
                str(f.archive_path),
                f.size_bytes,
                load_id,
                status,
                reason,
            )
            for f in files
        ],
    )


def mark_replaced(conn: duckdb.DuckDBPyConnection, source: str, keep: set[str]) -> None:
    """A new load supersedes the source's earlier loaded files (they stay in the archive)."""
    conn.execute(
        "update dq_manifest set status = 'replaced' "
        "where source = ? and status = 'loaded' and not list_contains(?, file_hash)",
        [source, sorted(keep)],
    )


def archived_delivery(conn: duckdb.DuckDBPyConnection, source: str, day: date) -> list[Path]:
    """The archived files of a source's delivery, newest attempt first, for replay."""
    rows = conn.execute(
        """select archive_path from dq_manifest
           where source = ? and delivery_date = ?
             and load_id = (select load_id from dq_manifest where source = ?
                            and delivery_date = ? order by arrived_at desc limit 1)
           order by original_name""",
        [source, day, source, day],
    ).fetchall()
    return [Path(r[0]) for r in rows]
