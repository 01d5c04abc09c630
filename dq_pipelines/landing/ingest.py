"""Loading a source's delivery files with DuckDB's own readers, staged for audit.

Nothing is lost on the way: every file is archived first (`receive`, before the warehouse is
opened); a file that cannot be parsed is rejected with the reason, kept in the archive for
replay, and leaves the raw table as it was. A landing entry that is not a regular file inside
the landing folder (landing_entries.py) is never read: its whole delivery is rejected, naming
it. A parsed delivery is staged; publish.py decides what of it reaches the raw table.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from dq_pipelines.checks.gx_runner import quote_identifier
from dq_pipelines.declared.contracts import SourceContract
from dq_pipelines.declared.typed_columns import DELIVERED, delivered_struct_sql, typed_sql
from dq_pipelines.landing.archive import (
    ArchivedFile,
    UnreadEntry,
    archive_entry,
    decide_load,
    decided_hashes,
    mark_replaced,
    record_arrivals,
    record_duplicates,
    record_load,
)
from dq_pipelines.landing.diagnose import inspect_delivery, plain_reason
from dq_pipelines.landing.entries import RefusedEntry, relative_entry, shown
from dq_pipelines.wap.decide import HELD
from dq_pipelines.wap.publish import Publication
from dq_pipelines.wap.stage import Staged, stage


class DeliveryError(ValueError):
    """A delivery that cannot be loaded as its contract describes."""


class LandingZone(dg.ConfigurableResource):
    """Where sources drop deliveries (<source>/<YYYY-MM-DD>/<file>) and where they are archived."""

    path: str
    archive_path: str

    @property
    def root(self) -> Path:
        return Path(self.path)

    @property
    def archive_root(self) -> Path:
        return Path(self.archive_path)

    def newest_delivery(self, contracts: list[SourceContract]) -> date | None:
        """The newest delivery date of any source: what every source is expected to have."""
        dates = [d for c in contracts for d in c.deliveries(self.root)]
        return max(dates, default=None)


def choose_delivery(
    contract: SourceContract, landing: Path, requested: date | None
) -> tuple[date, list[Path]]:
    deliveries = contract.deliveries(landing)
    if not deliveries:
        raise DeliveryError(
            f"no delivery of '{contract.name}' in {landing} (pattern {contract.path_pattern})"
        )
    if requested is None:
        return next(reversed(deliveries.items()))
    if requested not in deliveries:
        raise DeliveryError(
            f"no '{contract.name}' delivery for {requested}; available: "
            f"{', '.join(map(str, deliveries))}"
        )
    return requested, deliveries[requested]


@dataclass(frozen=True)
class Received:
    """A delivery's entries once taken from the landing folder: archived, or refused unread."""

    delivery_date: date
    archived: tuple[ArchivedFile, ...]
    unread: tuple[UnreadEntry, ...]

    @property
    def refusal(self) -> str | None:
        """Why the delivery is rejected before parsing, if an entry was refused.

        A delivery is accepted only as a whole: loading its good files beside a refused entry
        would publish part of a batch and hide the refused part behind a passing check.
        """
        if not self.unread:
            return None
        return "; ".join(e.reason for e in self.unread) + "; the whole delivery is rejected"


def receive(
    source: str, root: Path, delivery_date: date, files: list[Path], archive_root: Path
) -> Received:
    """Read each entry once, bounded, into the archive; refuse what is not a regular file.

    Needs no warehouse connection, and is called before one is opened: however slow a read
    is, it never holds the DuckDB file.
    """
    archived, unread = [], []
    for path in files:
        try:
            archived.append(archive_entry(archive_root, source, root, path))
        except RefusedEntry as refused:
            unread.append(UnreadEntry(source, _entry_name(root, path), refused.reason))
    return Received(delivery_date, tuple(archived), tuple(unread))


def _entry_name(root: Path, path: Path) -> str:
    try:
        return shown(relative_entry(root, path).as_posix())
    except RefusedEntry:
        return shown(str(path))


@dataclass(frozen=True)
class IngestOutcome:
    status: str  # staged (for audit), duplicate (same bytes already loaded) or rejected
    load_id: str
    delivery_date: date
    files: tuple[ArchivedFile, ...]
    row_count: int | None = None
    reason: str | None = None
    delivered_columns: tuple[str, ...] = ()  # the header as delivered, when it could be read
    staged: Staged | None = None
    earlier_status: str | None = None  # of the load a duplicate repeats: loaded, held or replaced
    unread: tuple[UnreadEntry, ...] = ()  # entries refused without reading them


def stage_delivery(
    conn: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    received: Received,
    load_id: str,
    run_id: str,
    force: bool = False,
    run_is_over: Callable[[str], bool] | None = None,
) -> IngestOutcome:
    """Stage a received delivery for audit (publish.py), unless rejected or already loaded.

    Its new arrivals and the load attempt are recorded here (archive.py): rejected, or staged
    until its publication is decided (`record_publication`, in the same transaction). A
    duplicate starts no load attempt; its new arrivals are recorded as `duplicate`.
    """
    archived, delivery_date = received.archived, received.delivery_date
    arrived = record_arrivals(conn, list(archived), list(received.unread), delivery_date)
    arrivals = [a.arrival_id for a in archived] + [e.arrival_id for e in received.unread]
    load = (load_id, run_id, force)
    if received.refusal is not None:  # its files are not even parsed: nothing is shown of them
        rejected = ("rejected", received.refusal, ())
        record_load(conn, arrivals, contract.name, delivery_date, load, rejected)
        return IngestOutcome(
            "rejected", load_id, delivery_date, archived, reason=received.refusal,
            unread=received.unread,
        )  # fmt: skip
    decided = decided_hashes(conn, contract.name)
    seen = inspect_delivery(conn, contract, list(archived))
    if not force and all(a.file_hash in decided for a in archived):
        earlier_load, earlier_status = decided[archived[0].file_hash]
        record_duplicates(conn, arrived, earlier_load)  # a re-run's known arrivals: no new row
        return IngestOutcome(
            "duplicate", earlier_load, delivery_date, archived,
            delivered_columns=seen.columns, earlier_status=earlier_status,
        )  # fmt: skip
    problem, staged = seen.problem, None
    if problem is None:
        try:
            staged = _stage_rows(
                conn, contract, delivery_date, archived, load_id, run_id, run_is_over
            )
        except duckdb.Error as e:  # the header parsed, a later line did not
            problem = plain_reason(e, list(archived))
    if staged is not None and staged.rows == 0:
        conn.execute(f"drop table {staged.sql}")
        problem = "the file has a header but no data rows"
    status = "staged" if problem is None else "rejected"
    record_load(conn, arrivals, contract.name, delivery_date, load, (status, problem, seen.columns))
    if problem is not None:
        return IngestOutcome(
            "rejected", load_id, delivery_date, archived, reason=problem,
            delivered_columns=seen.columns,
        )  # fmt: skip
    return IngestOutcome(
        "staged", load_id, delivery_date, archived, row_count=staged.rows,
        delivered_columns=seen.columns, staged=staged,
    )  # fmt: skip


def _stage_rows(
    conn: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    delivery_date: date,
    archived: tuple[ArchivedFile, ...],
    load_id: str,
    run_id: str,
    run_is_over: Callable[[str], bool] | None,
) -> Staged:
    """Read the delivery's rows into staging: typed columns, the delivered text, lineage
    (declared/typed_columns.py says how text becomes typed and what is kept)."""
    typed = ", ".join(
        f"{typed_sql(c, quote_identifier(c.name))} as {quote_identifier(c.name)}"
        for c in contract.columns
    )
    read = ", ".join(f"r.{quote_identifier(c)}" for c in contract.column_names)
    names = [[str(a.archive_path), a.original_name] for a in archived]
    staged = stage(
        conn,
        contract.raw_table,
        run_id,
        f"""with delivered as (
                select {read}, m.name[2] as _source_file
                from read_csv(?, header = true, all_varchar = true, filename = true, delim = ?,
                              encoding = ?) as r
                join (select unnest(?::varchar[][]) as name) as m on r.filename = m.name[1]
            )
            select {typed}, ?::date as _delivery_date, _source_file, ?::varchar as _load_id,
                   {delivered_struct_sql(contract)} as {DELIVERED}
            from delivered""",
        [
            [n[0] for n in names],
            contract.delimiter,
            contract.encoding,
            names,
            delivery_date,
            load_id,
        ],
        run_is_over,
    )
    if contract.mode != "append":
        return staged
    # An append source's published table exists from its first delivery on (empty until that
    # is published), so its rows can be compared with what earlier dates published.
    conn.execute(
        f"create table if not exists {quote_identifier(contract.raw_table)} as "
        f"select * from {staged.sql} limit 0"
    )
    return replace(staged, append=True)


def record_publication(
    conn: duckdb.DuckDBPyConnection,
    outcome: IngestOutcome,
    publication: Publication,
) -> None:
    """The load attempt's decision, once its publication is decided.

    Runs inside the publication's transaction: the raw table and the records change
    together. A held delivery's load stays `held` (archived, replayable); a published one
    supersedes the source's earlier loaded ones (`replaced`): all of them for a snapshot, those
    of its delivery date for an append source.
    """
    if publication.status == HELD:
        decide_load(conn, outcome.load_id, "held", publication.reason)
        return
    appended = outcome.staged is not None and outcome.staged.append
    mark_replaced(
        conn, outcome.files[0].source, outcome.load_id, outcome.delivery_date if appended else None
    )
    decide_load(conn, outcome.load_id, "loaded")
