"""Why a delivery cannot be loaded as its contract says, in words a data owner can act on.

Each diagnosis names the cause: the delimiter found and the one declared, the encoding found
(UTF-16, Latin-1) and the contract key that would accept it, a renamed column. A message never
shows an archive path or DuckDB's internals (sniffer dumps, parser options): files are named as
delivered, and DuckDB's first line is kept only where nothing better is known.
"""

import codecs
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dq_pipelines.declared.contracts import SourceContract
from dq_pipelines.landing.archive import ArchivedFile

HEAD = 8192
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass(frozen=True)
class Inspection:
    problem: str | None  # why the delivery cannot be loaded as its contract says, if it cannot
    columns: tuple[str, ...] = ()


def _shown_delimiter(delimiter: str) -> str:
    name = DELIMITERS.get(delimiter)
    return f"{delimiter!r} ({name})" if name else repr(delimiter)


def encoding_problem(name: str, path: Path, declared: str = "utf-8") -> str | None:
    """UTF-16 (a byte-order mark, or NUL every other byte), Latin-1 (not UTF-8, no NUL), or
    binary content, named; None for text in the declared encoding."""
    with path.open("rb") as stream:
        head = stream.read(HEAD)
        utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _every_other_nul(
            head
        )
        if declared == "utf-16":
            return None if utf16 else f"{name} is not UTF-16 text, as the contract declares"
        if declared == "latin-1":  # every byte sequence is Latin-1: only NUL bytes tell
            return None if b"\x00" not in head else f"{name} looks binary (it contains NUL bytes)"
        if utf16:
            return (
                f"{name} is UTF-16 text, not UTF-8; declare `encoding: utf-16` in the contract "
                "to accept it, or deliver it as UTF-8"
            )
        if b"\x00" in head:
            return f"{name} looks binary (it contains NUL bytes), not CSV text"
        decoder, chunk, line = codecs.getincrementaldecoder("utf-8")(), head, 1
        while chunk:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as bad:
                line += chunk[: bad.start].count(b"\n")
                return (
                    f"{name} is not valid UTF-8 (byte 0x{chunk[bad.start]:02x} on line {line}): "
                    "it reads as Latin-1 (ISO-8859-1); declare `encoding: latin-1` in the "
                    "contract to accept it, or deliver it as UTF-8"
                )
            line += chunk.count(b"\n")
            chunk = stream.read(1 << 20)
    return None


def _every_other_nul(head: bytes) -> bool:
    """ASCII text in UTF-16 without a byte-order mark: NUL in every other byte."""
    pairs = len(head) // 2
    if pairs < 4:
        return False
    nul_even = sum(head[i] == 0 for i in range(0, 2 * pairs, 2))
    nul_odd = sum(head[i] == 0 for i in range(1, 2 * pairs, 2))
    return max(nul_even, nul_odd) >= 0.9 * pairs and min(nul_even, nul_odd) <= 0.1 * pairs


def delimiter_problem(name: str, header: str, contract: SourceContract) -> str | None:
    """The header is split by another delimiter than the declared one (sniffed among
    `,` `;` tab `|`): say which was found and which is declared."""
    declared = contract.delimiter
    if len(contract.column_names) < 2 or declared in header:
        return None
    found = max(DELIMITERS, key=header.count)
    if found == declared or header.count(found) == 0:
        return None
    return (
        f"wrong delimiter: {name} is delimited by {_shown_delimiter(found)}, the contract "
        f"declares {_shown_delimiter(declared)}; deliver it as declared, or declare "
        f"`delimiter: {found!r}` in the contract"
    )


def _tokens(column: str) -> frozenset[str]:
    return frozenset(t for t in re.split(r"[^0-9a-z]+", column.lower()) if t)


def column_problem(declared: list[str], delivered: list[str]) -> str | None:
    """Declared columns that are missing, each paired with a new column it was likely renamed
    to (the same words in another order, a close spelling, or the only candidate)."""
    missing = [c for c in declared if c not in delivered]
    if not missing:
        return None
    new = [c for c in delivered if c not in declared]
    said, unpaired = [], []
    for column in missing:
        same_words = [c for c in new if _tokens(c) == _tokens(column)]
        close = difflib.get_close_matches(column, new, n=1, cutoff=0.6)
        only = new if len(missing) == len(new) == 1 else []
        if pair := (same_words or close or only):
            said.append(f"`{column}` is missing and `{pair[0]}` is new: renamed?")
            new.remove(pair[0])
        else:
            unpaired.append(f"`{column}`")
    if unpaired:
        said.append(f"declared column(s) {', '.join(unpaired)} missing")
    return "; ".join(said) + f" (the file has: {', '.join(delivered)})"


def plain_reason(error: duckdb.Error, files: list[ArchivedFile]) -> str:
    """DuckDB's parser error in words, its first line only, archive paths named as delivered."""
    text = str(error).strip()
    first = text.splitlines()[0] if text else type(error).__name__
    for f in files:
        first = first.replace(str(f.archive_path), f.original_name)
    first = re.sub(r"(/[^\s\"':]+)+", "<file>", first)  # any other path
    lowered = text.lower()
    if "invalid unicode" in lowered:
        return f"the file is not valid UTF-8 text (wrong encoding?): {first}"
    ragged = ("expected number of columns", "too many columns", "not possible to automatically")
    if any(phrase in lowered for phrase in ragged):
        line = re.search(r"line:? (\d+)", text, re.IGNORECASE)
        where = f" (line {line.group(1)})" if line else ""
        return (
            f"some lines have a different number of fields than the header{where}: "
            "truncated or malformed?"
        )
    return f"DuckDB could not parse the file as CSV: {first}"


def _header(path: Path, encoding: str) -> str:
    with path.open("r", encoding=encoding, errors="replace", newline="") as stream:
        return stream.readline(HEAD).lstrip("\ufeff").strip()


def inspect_delivery(
    conn: duckdb.DuckDBPyConnection, contract: SourceContract, files: list[ArchivedFile]
) -> Inspection:
    """Check the delivery's bytes and header against the contract (its rows are read once, by
    stage_delivery, which reports what goes wrong there)."""
    for f in files:
        if f.size_bytes == 0:
            return Inspection(f"{f.original_name} is empty (0 bytes)")
        if problem := encoding_problem(f.original_name, f.archive_path, contract.encoding):
            return Inspection(problem)
        header = _header(f.archive_path, contract.encoding)
        if problem := delimiter_problem(f.original_name, header, contract):
            return Inspection(problem)
    paths = [str(f.archive_path) for f in files]
    try:  # SQL, not conn.read_csv: only the table function reads other encodings
        columns = [
            d[0]
            for d in conn.execute(
                "select * from read_csv(?, header = true, all_varchar = true, delim = ?, "
                "encoding = ?) limit 0",
                [paths, contract.delimiter, contract.encoding],
            ).description
        ]
    except duckdb.Error as e:
        return Inspection(plain_reason(e, files))
    return Inspection(column_problem(contract.column_names, columns), tuple(columns))
