"""Where the scorecard is written and published, and writing it from a warehouse."""

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from dq_pipelines.declared.project import Project
from dq_pipelines.report.scorecard import read_scorecard
from dq_pipelines.report.scorecard_html import render
from dq_pipelines.settings import default
from dq_pipelines.storage.warehouse import DuckDBWarehouse

PAGE_NAME = "scorecard.html"


class ScorecardSite(dg.ConfigurableResource):
    """The folder the scorecard page is written to, and the URL it is published at (if any)."""

    reports_dir: str = default("DQ_REPORTS_DIR")
    url: str | None = None

    @property
    def page_path(self) -> Path:
        return Path(self.reports_dir) / PAGE_NAME


def write_page(path: Path, page: str) -> None:
    """Replace the page whole (a reader, or a web server publishing it, never sees half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(page)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_scorecard(
    warehouse: DuckDBWarehouse,
    project: Project,
    path: Path,
    runs: int,
    dagster_url: str | None = None,
) -> None:
    """Read the warehouse's records and write the page to `path`."""
    now = datetime.now(UTC).replace(tzinfo=None)  # the warehouse's timestamps are naive UTC
    with warehouse.connect() as conn:
        card = read_scorecard(conn, project, runs, now)
    write_page(path, render(card, dagster_url))
