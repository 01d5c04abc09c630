"""The landing archive and the delivery records: every arrival kept, every load attempt on record.

A file is copied to `<archive>/<source>/<hash[:2]>/<hash><suffix>` before anything reads it
(and before the warehouse is opened, so a slow read never holds the DuckDB file). Identical
content is stored once, so a re-delivery of the same bytes is recognised and not loaded twice.

Two tables keep the history, and no row of one attempt is ever rewritten by another:
- `dq_manifest`: one row per ARRIVAL (a file found in the landing folder, or an entry refused
  unread), duplicates included, with its original name, date, hash, size and arrival time, and
  its current state: the status, reason and load id of the latest load attempt that read it, or
  `duplicate` (same bytes as an earlier load, `duplicate_of`; not loaded again).
- `dq_loads`: one row per LOAD ATTEMPT (first load, replay, re-run) and arrival it read, with
  its own load id, status and reason: `staged` (being audited, or its run failed before a
  decision), `loaded`, `rejected`, `held` (parsed, but its audit kept it out of the raw table),
  `replaced` (a later load of the source was published). `superseded_by` names the later load
  that replaced it or read the same arrivals again.
A landing entry that is not a regular file inside the landing folder is never read nor archived;
its manifest row (`UnreadEntry`) says why.
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
from dq_pipelines.storage.ops_tables import LOADS, MANIFEST, NOW, insert

CHUNK = 1 << 20
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class ArchivedFile:
    source: str
    file_hash: str
    original_name: str
    archive_path: Path
    size_bytes: int
    # One arrival: this content at this landing path, as last modified. A re-run that finds
    # the same file is the same arrival; the same bytes delivered again (another name, date,
    # or the file written anew) are another.
    arrival_id: str = ""


def arrival_id(source: str, entry: str, file_hash: str, modified_ns: int) -> str:
    key = "\0".join((source, entry, file_hash, str(modified_ns)))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class UnreadEntry:
    """A landing entry refused without reading it (landing_entries.py): never archived.

    Its manifest key is `unread:<path below the landing root>`, not a content hash, because no
    content was read: the prefix can never equal a hash. A later run that finds the same entry
    adds a load attempt, not another arrival.
    """

    source: str
    entry: str  # the path below the landing root, as shown
    reason: str

    @property
    def file_hash(self) -> str:
        return f"unread:{self.entry}"

    @property
    def arrival_id(self) -> str:
        return f"unread:{self.source}:{self.entry}"


def archive_entry(archive_root: Path, source: str, root: Path, path: Path) -> ArchivedFile:
    """Copy a regular file inside `root` into the archive (once per content), read-only.

    One bounded read: at most the size fstat reported when the file was opened, hashed while
    copied. A file that changed while read (still being uploaded?) is refused, not archived
    half-written. Raises RefusedEntry for anything open_entry refuses.
    """
    entry = relative_entry(root, path).as_posix()
    name = shown(entry)
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
    arrival = arrival_id(source, entry, file_hash, opened.st_mtime_ns)
    return ArchivedFile(source, file_hash, path.name, target, opened.st_size, arrival)


def decided_hashes(conn: duckdb.DuckDBPyConnection, source: str) -> dict[str, tuple[str, str]]:
    """Content hashes of this source whose load was decided, with load id and status: `loaded`,
    `held` by its audit, or `replaced` by a later delivery. The same bytes delivered again are a
    duplicate of that load, never staged again (only a replay does): re-sending an old snapshot
    must not roll a table back. A `rejected` load is not decided: re-delivered bytes are read
    again (after a contract fix they may load)."""
    rows = conn.execute(
        "select distinct file_hash, load_id, status from dq_manifest "
        "where source = ? and status in ('loaded', 'held', 'replaced')",
        [source],
    ).fetchall()
    return {file_hash: (load_id, status) for file_hash, load_id, status in rows}


def record_arrivals(
    conn: duckdb.DuckDBPyConnection,
    files: list[ArchivedFile],
    unread: list[UnreadEntry],
    delivery_date: date,
) -> set[str]:
    """A manifest row for each arrival not on record yet; returns the ids of those added."""
    ids = [f.arrival_id for f in files] + [e.arrival_id for e in unread]
    if not ids:
        return set()
    known = conn.execute(
        f"select arrival_id from dq_manifest where arrival_id in ({', '.join('?' for _ in ids)})",
        ids,
    ).fetchall()
    new = set(ids) - {k for (k,) in known}
    rows = [
        {
            "arrival_id": f.arrival_id,
            "source": f.source,
            "file_hash": f.file_hash,
            "delivery_date": delivery_date,
            "original_name": f.original_name,
            "archive_path": str(f.archive_path),
            "size_bytes": f.size_bytes,
            "arrived_at": NOW,
        }
        for f in files
    ] + [
        {
            "arrival_id": e.arrival_id,
            "source": e.source,
            "file_hash": e.file_hash,
            "delivery_date": delivery_date,
            "original_name": e.entry,
            "archive_path": None,  # unread: nothing archived, no size
            "size_bytes": None,
            "arrived_at": NOW,
        }
        for e in unread
    ]
    insert(conn, MANIFEST, [r for r in rows if r["arrival_id"] in new])
    return new


def record_duplicates(
    conn: duckdb.DuckDBPyConnection, arrivals: set[str], earlier_load: str
) -> None:
    """New arrivals of bytes already decided: `duplicate`, pointing at that earlier load."""
    if arrivals:
        conn.execute(
            "update dq_manifest set status = ?, load_id = ?, duplicate_of = ? "
            f"where arrival_id in ({', '.join('?' for _ in arrivals)})",
            [DUPLICATE, earlier_load, earlier_load, *sorted(arrivals)],
        )


def record_load(
    conn: duckdb.DuckDBPyConnection,
    arrivals: list[str],
    source: str,
    delivery_date: date,
    load: tuple[str, str, bool],
    outcome: tuple[str, str | None, tuple[str, ...]],
) -> None:
    """A load attempt's rows, one per arrival it read (`load`: load id, run id, replay;
    `outcome`: status, reason, the header it read). Earlier attempts at the same arrivals are
    superseded by it; the arrivals take its status."""
    (load_id, run_id, replay), (status, reason, columns) = load, outcome
    if not arrivals:
        return
    marks = ", ".join("?" for _ in arrivals)
    conn.execute(
        "update dq_loads set superseded_by = ? "
        f"where superseded_by is null and load_id <> ? and arrival_id in ({marks})",
        [load_id, load_id, *arrivals],
    )
    row = {"load_id": load_id, "source": source, "delivery_date": delivery_date}
    row |= {"run_id": run_id, "replay": replay, "columns": list(columns), "started_at": NOW}
    row |= {"status": status, "reason": reason, "decided_at": None if status == "staged" else NOW}
    insert(conn, LOADS, [row | {"arrival_id": a} for a in arrivals])
    _mirror(conn, load_id)


def decide_load(
    conn: duckdb.DuckDBPyConnection, load_id: str, status: str, reason: str | None = None
) -> None:
    """A staged load attempt's decision (its own rows only), mirrored on its arrivals."""
    conn.execute(
        "update dq_loads set status = ?, reason = ?, decided_at = now() where load_id = ?",
        [status, reason, load_id],
    )
    _mirror(conn, load_id)


def _mirror(conn: duckdb.DuckDBPyConnection, load_id: str) -> None:
    """An arrival's status, reason and load id are those of the latest attempt that read it."""
    conn.execute(
        """update dq_manifest set status = l.status, reason = l.reason, load_id = l.load_id
           from dq_loads as l
           where l.load_id = ? and dq_manifest.arrival_id = l.arrival_id""",
        [load_id],
    )


def mark_replaced(
    conn: duckdb.DuckDBPyConnection, source: str, load_id: str, day: date | None = None
) -> None:
    """A published load supersedes the source's earlier loaded ones (their files stay in the
    archive): `replaced`, `superseded_by` this load, and so are the arrivals they read. Only
    those of delivery date `day`, if given (an append source keeps its other dates' loads)."""
    same_day = "" if day is None else " and delivery_date = ?"
    dated = [] if day is None else [day]
    conn.execute(
        "update dq_manifest set status = 'replaced' where source = ? and status = 'loaded' "
        "and load_id <> ?" + same_day,
        [source, load_id, *dated],
    )
    conn.execute(
        "update dq_loads set status = 'replaced', superseded_by = ? "
        "where source = ? and status = 'loaded' and load_id <> ?" + same_day,
        [load_id, source, load_id, *dated],
    )


def archived_arrivals(
    conn: duckdb.DuckDBPyConnection, source: str, day: date
) -> list[ArchivedFile]:
    """What replaying a source's delivery of `day` reads: the newest arrival of each file name
    delivered for that date, whatever happened to the same bytes later (entries refused
    unread were never archived, so they are not replayed)."""
    rows = conn.execute(
        """select file_hash, original_name, archive_path, size_bytes, arrival_id
           from dq_manifest where source = ? and delivery_date = ? and archive_path is not null
           qualify row_number() over (partition by original_name order by arrived_at desc) = 1
           order by original_name""",
        [source, day],
    ).fetchall()
    return [ArchivedFile(source, h, name, Path(p), size, a) for h, name, p, size, a in rows]


def archived_delivery(conn: duckdb.DuckDBPyConnection, source: str, day: date) -> list[Path]:
    """The archived files `dq-pipelines replay --date` reads (see `archived_arrivals`)."""
    return [f.archive_path for f in archived_arrivals(conn, source, day)]


def last_accepted_columns(conn: duckdb.DuckDBPyConnection, source: str) -> tuple[str, ...]:
    """The header of the source's newest load that was parsed (loaded, held or replaced since),
    or () if none was: the columns its raw table keeps while a delivery is unreadable."""
    row = conn.execute(
        "select any_value(columns) from dq_loads where source = ? "
        "and status in ('loaded', 'held', 'replaced') and columns is not null "
        "group by load_id order by max(started_at) desc limit 1",
        [source],
    ).fetchone()
    return tuple(row[0]) if row else ()
