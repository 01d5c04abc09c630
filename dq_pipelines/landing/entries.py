"""Landing entries are untrusted: only regular files inside the landing root are ever opened.

Anyone who can drop files in the landing folder (an SFTP account, a vendor's script) controls
what its entries are. A FIFO or a link to /dev/zero never ends, a link to /etc/passwd or a
mounted secret reads a file of the pipeline's user, a directory cannot be read at all. So an
entry is opened only if it is a regular file, reached from the landing root through real
folders only, and it is checked again on the open descriptor, so a swap between the check and
the open (TOCTOU) cannot make us read something else. Anything else is refused with a reason
(`RefusedEntry`), without reading a byte of it.

Symlinks are refused even when they point to a regular file inside the landing folder: their
target can be changed at any moment by whoever can write there, so checking it and then reading
it are two different files; a sender has no need for them (deliver the file itself); and a link
would let one delivery's bytes be archived under another delivery's name. Hard links are refused
for the same reason: a second name for a file the sender did not write.
"""

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: if a FIFO is swapped in after the check, opening it does not wait for a writer.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC

_KINDS = (
    (stat.S_ISLNK, "a symbolic link (never followed)"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class RefusedEntry(Exception):
    """A landing entry that is not read, and why (the reason names the entry, never its bytes)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def shown(name: str) -> str:
    """A file name as it may be shown: control characters escaped (names are sender-chosen)."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in name)


def kind_of(mode: int) -> str:
    return next((kind for is_kind, kind in _KINDS if is_kind(mode)), "not a regular file")


def relative_entry(root: Path, path: Path) -> Path:
    """The entry's path below root, or refused if it is not lexically inside root."""
    try:
        relative = path.relative_to(root)
    except ValueError:
        raise RefusedEntry(f"{shown(str(path))} is outside the landing folder") from None
    if not relative.parts or ".." in relative.parts:
        raise RefusedEntry(f"{shown(str(path))} is outside the landing folder")
    return relative


@contextmanager
def open_entry(root: Path, path: Path) -> Iterator[tuple[int, os.stat_result]]:
    """An open descriptor of a regular file inside root, with its fstat, or RefusedEntry.

    Walks from root one folder at a time with O_NOFOLLOW (openat), so no component on the way
    can be a link out of the root, and opens the file with O_NOFOLLOW | O_NONBLOCK.
    """
    relative = relative_entry(root, path)
    name = shown(relative.as_posix())
    fds = [os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)]  # the root may be a link
    try:
        for depth, part in enumerate(relative.parts):
            try:
                seen = os.stat(part, dir_fd=fds[-1], follow_symlinks=False)
            except FileNotFoundError:
                raise RefusedEntry(f"{name} disappeared before it could be read") from None
            last = depth == len(relative.parts) - 1
            if not last and not stat.S_ISDIR(seen.st_mode):
                folder = shown(Path(*relative.parts[: depth + 1]).as_posix())
                raise RefusedEntry(f"{name}: its folder {folder} is {kind_of(seen.st_mode)}")
            if last and not stat.S_ISREG(seen.st_mode):
                raise RefusedEntry(f"{name} is {kind_of(seen.st_mode)}, not a regular file")
            if last and seen.st_nlink != 1:
                raise RefusedEntry(
                    f"{name} has {seen.st_nlink} hard links (another name for the same file)"
                )
            try:
                fds.append(os.open(part, _FILE_FLAGS if last else _DIR_FLAGS, dir_fd=fds[-1]))
            except OSError as e:  # ELOOP: swapped for a link since the check
                raise RefusedEntry(f"{name} could not be opened: {e.strerror}") from None
            opened = os.fstat(fds[-1])
            same = (opened.st_dev, opened.st_ino) == (seen.st_dev, seen.st_ino)
            if not same or (last and not stat.S_ISREG(opened.st_mode)):
                raise RefusedEntry(f"{name} was replaced while it was being opened")
        yield fds[-1], opened
    finally:
        for fd in fds:
            os.close(fd)
