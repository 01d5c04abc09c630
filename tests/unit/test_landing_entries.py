"""Issue 8, findings 3 and 4, the pure parts: which landing entries are read, and how."""

import hashlib
import os
from pathlib import Path

import pytest

from dq_pipelines.declared.contracts import parse_contract
from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.landing.archive import archive_entry
from dq_pipelines.landing.entries import RefusedEntry, shown

CONTRACT = """
name: things
path_pattern: "{pattern}"
columns:
  id: {{type: varchar}}
"""


def _landing(tmp_path: Path) -> tuple[Path, Path]:
    day = tmp_path / "landing" / "things" / "2026-01-01"
    day.mkdir(parents=True)
    (day / "things.csv").write_text("id\n1\n")
    return tmp_path / "landing", day


def _archive(tmp_path: Path, landing: Path, entry: Path):
    return archive_entry(tmp_path / "archive", "things", landing, entry)


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("../../outside/{delivery_date}/x*.csv", "'..'"),
        ("things/../../{delivery_date}/x.csv", "'..'"),
        ("/etc/{delivery_date}/x.csv", "relative to the landing folder"),
        ("things/x{delivery_date}/x.csv", "a whole folder name"),
    ],
)
def test_a_path_pattern_that_can_leave_the_landing_folder_is_refused(tmp_path, pattern, problem):
    path = tmp_path / "things.yaml"
    path.write_text(CONTRACT.format(pattern=pattern))
    with pytest.raises(DefinitionFileError, match=r"things\.yaml") as err:
        parse_contract(path)
    assert problem in str(err.value)


def test_a_regular_file_is_archived_by_content_hash_read_only(tmp_path):
    landing, day = _landing(tmp_path)
    archived = _archive(tmp_path, landing, day / "things.csv")
    assert archived.file_hash == hashlib.sha256(b"id\n1\n").hexdigest()
    assert archived.archive_path.read_bytes() == b"id\n1\n" and archived.size_bytes == 5
    assert not os.access(archived.archive_path, os.W_OK) or os.geteuid() == 0
    again = _archive(tmp_path, landing, day / "things.csv")  # stored once per content
    assert again.archive_path == archived.archive_path
    assert [p.name for p in (tmp_path / "archive").rglob("*") if p.is_file()] == [
        archived.archive_path.name
    ]


def _fifo(day: Path, tmp_path: Path) -> Path:
    os.mkfifo(day / "pipe.csv")
    return day / "pipe.csv"


def _link(target: str):
    def make(day: Path, tmp_path: Path) -> Path:
        (day / "link.csv").symlink_to(target)
        return day / "link.csv"

    return make


def _hard_link(day: Path, tmp_path: Path) -> Path:
    (tmp_path / "secret.txt").write_text("secret\n")
    os.link(tmp_path / "secret.txt", day / "hard.csv")
    return day / "hard.csv"


def _directory(day: Path, tmp_path: Path) -> Path:
    (day / "dir.csv").mkdir()
    return day / "dir.csv"


def _outside(day: Path, tmp_path: Path) -> Path:
    (tmp_path / "other.csv").write_text("id\n")
    return tmp_path / "other.csv"


def _gone(day: Path, tmp_path: Path) -> Path:
    return day / "gone.csv"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_fifo, "is a FIFO (named pipe)"),
        (_link("/dev/zero"), "is a symbolic link"),
        (_link("things.csv"), "is a symbolic link"),
        (_link("/nonexistent/x"), "is a symbolic link"),
        (_hard_link, "has 2 hard links"),
        (_directory, "is a directory"),
        (_outside, "is outside the landing folder"),
        (_gone, "disappeared before it could be read"),
    ],
)
def test_an_entry_that_is_not_a_regular_file_inside_landing_is_refused_unread(
    tmp_path, make, reason
):
    landing, day = _landing(tmp_path)
    entry = make(day, tmp_path)
    with pytest.raises(RefusedEntry) as refused:
        _archive(tmp_path, landing, entry)
    assert reason in refused.value.reason
    assert not (tmp_path / "archive").exists() or not [
        p for p in (tmp_path / "archive").rglob("*") if p.is_file()
    ]


def test_a_linked_folder_on_the_way_is_refused(tmp_path):
    landing, day = _landing(tmp_path)
    (landing / "things" / "2026-01-02").symlink_to(day, target_is_directory=True)
    with pytest.raises(RefusedEntry, match="its folder things/2026-01-02 is a symbolic link"):
        _archive(tmp_path, landing, landing / "things" / "2026-01-02" / "things.csv")


def test_a_file_growing_while_read_is_refused(tmp_path, monkeypatch):
    landing, day = _landing(tmp_path)
    real_read = os.read

    def read_then_append(fd: int, n: int) -> bytes:
        with (day / "things.csv").open("ab") as f:
            f.write(b"2\n")
        return real_read(fd, n)

    monkeypatch.setattr("dq_pipelines.landing.archive.os.read", read_then_append)
    with pytest.raises(RefusedEntry, match="changed while it was read"):
        _archive(tmp_path, landing, day / "things.csv")


def test_names_are_shown_without_control_characters():
    assert shown("a\nb\x1b[31m.csv") == "a\\nb\\x1b[31m.csv"
