"""One warehouse connection reused across the alerts of a tick, handed back now and then."""

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import duckdb

from dq_pipelines.storage.warehouse import DuckDBWarehouse

HOLD_SECONDS = 1.0  # longest a tick keeps one warehouse connection before letting others in


class HeldConnection:
    """Connections to the warehouse for one sensor tick.

    Outside `holding()` each `connect()` opens its own connection. Inside, one is reused
    instead of opening one per statement (about 40 ms each: 1,000 alerts would take minutes);
    it is closed and reopened every HOLD_SECONDS, between statements, so other processes get
    the file in turn.
    """

    def __init__(self, warehouse: DuckDBWarehouse) -> None:
        self.warehouse = warehouse
        self._holding = False
        self._held: ExitStack | None = None
        self._held_conn: duckdb.DuckDBPyConnection | None = None
        self._held_since = 0.0

    @contextmanager
    def holding(self) -> Iterator[None]:
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
            self._release()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if not self._holding:
            with self.warehouse.connect() as conn:
                yield conn
            return
        if self._held is not None and time.monotonic() - self._held_since > HOLD_SECONDS:
            self._release()
        if self._held is None:
            self._held = ExitStack()
            self._held_conn = self._held.enter_context(self.warehouse.connect())
            self._held_since = time.monotonic()
        assert self._held_conn is not None
        yield self._held_conn

    def _release(self) -> None:
        if self._held is not None:
            self._held.close()
        self._held, self._held_conn = None, None
