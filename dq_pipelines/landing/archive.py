"""The landing archive: every delivered file kept, immutable, under its content hash.

A file is copied to `<archive>/<source>/<hash[:2]>/<hash><suffix>` before anything reads it
(and before the warehouse is opened, so a slow read never holds the DuckDB file), and recorded
in the `dq_manifest` table with its status: `staged` (being audited, or its run failed before a
decision), `loaded`, `rejected` (with the reason), `held` (parsed, but its audit kept it out of
the raw table; see publish.py), or `replaced` (a corrected re-delivery of the same batch
superseded it). Identical content is stored once, so a re-delivery of the same bytes is
recognised and not loaded twice. A landing entry that is not a regular file inside the landing
folder is never read nor archived; its manifest row (`UnreadEntry`) says why.
"""

import hashlib
import os
import stat
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from dq_pipelines.landing.entries import RefusedEntry, open_entry, relative_entry, shown
from dq_pipelines.storage.ops_tables import MANIFEST, NOW, insert

CHUNK = 1 << 20


@dataclass(frozen=True)
class ArchivedFile:
    source: str
    file_hash: str
    original_name: str
    archive_path: Path
    size_bytes: int


@dataclass(frozen=True)
class UnreadEntry:
    """A landing entry refused without reading it (landing_entries.py): never archived.

    Its manifest key is `unread:<path below the landing root>`, not a content hash, because no
    content was read: the prefix can never equal a hash, and a later run that finds the same
    entry updates its one row instead of adding a row per run.
    """

    source: str
    entry: str  # the path below the landing root, as shown
    reason: str

    @property
    def file_hash(self) -> str:
        return f"unread:{self.entry}"


def archive_entry(archive_root: Path, source: str, root: Path, path: Path) -> ArchivedFile:
    """Copy a regular file inside `root` into the archive (once per content), read-only.

    One bounded read: at most the size fstat reported when the file was opened, hashed while
    copied. A file that changed while read (still being uploaded?) is refused, not archived
    half-written. Raises RefusedEntry for anything open_entry refuses.
    """
    name = shown(relative_entry(root, path).as_posix())
    incoming = archive_root / source / f".incoming-{uuid.uuid4().hex}.partial"
    incoming.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    try:
        with open_entry(root, path) as (fd, opened), incoming.open("xb") as out:
            remaining = opened.st_size
            while remaining and (chunk := os.read(fd, min(CHUNK, remaining))):
                digest.update(chunk)
                out.write(chunk)
                remaining -= len(chunk)
            after = os.fstat(fd)
            if remaining or (after.st_size, after.st_mtime_ns) != (
                opened.st_size,
                opened.st_mtime_ns,
            ):
                raise RefusedEntry(f"{name} changed while it was read (still being written?)")
        file_hash = digest.hexdigest()
        target = archive_root / source / file_hash[:2] / f"{file_hash}{path.suffix}"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(incoming, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            incoming.rename(target)  # atomic: a reader never sees half a file
    finally:
        incoming.unlink(missing_ok=True)
    return ArchivedFile(source, file_hash, path.name, target, opened.st_size)


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
    if not files:  # every entry of the delivery was refused unread
        return
    rows = [
        {
            "source": f.source,
            "file_hash": f.file_hash,
            "delivery_date": delivery_date,
            "original_name": f.original_name,
            "archive_path": str(f.archive_path),
            "size_bytes": f.size_bytes,
            "arrived_at": NOW,
            "load_id": load_id,
            "status": status,
            "reason": reason,
        }
        for f in files
    ]
    insert(conn, MANIFEST, rows, replace=True)


def record_unread(
    conn: duckdb.DuckDBPyConnection,
    entries: list[UnreadEntry],
    delivery_date: date,
    load_id: str,
    reason: str,
) -> None:
    """Manifest rows of refused entries: status rejected, no archive path, no size (unread)."""
    rows = [
        {
            "source": e.source,
            "file_hash": e.file_hash,
            "delivery_date": delivery_date,
            "original_name": e.entry,
            "arrived_at": NOW,
            "load_id": load_id,
            "status": "rejected",
            "reason": reason,
        }
        for e in entries
    ]
    insert(conn, MANIFEST, rows, replace=True)


def mark_replaced(conn: duckdb.DuckDBPyConnection, source: str, keep: set[str]) -> None:
    """A new load supersedes the source's earlier loaded files (they stay in the archive)."""
    kept = sorted(keep)
    conn.execute(
        "update dq_manifest set status = 'replaced' where source = ? and status = 'loaded'"
        + (f" and file_hash not in ({', '.join('?' for _ in kept)})" if kept else ""),
        [source, *kept],
    )


def archived_delivery(conn: duckdb.DuckDBPyConnection, source: str, day: date) -> list[Path]:
    """The archived files of a source's newest attempt at a delivery, for replay (entries
    refused unread were never archived, so they are not replayed)."""
    rows = conn.execute(
        """select archive_path from dq_manifest
           where source = ? and delivery_date = ? and archive_path is not null
             and load_id = (select load_id from dq_manifest where source = ?
                            and delivery_date = ? order by arrived_at desc limit 1)
           order by original_name""",
        [source, day, source, day],
    ).fetchall()
    return [Path(r[0]) for r in rows]
