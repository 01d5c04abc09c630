"""What can be a column name in a contract or suite, refused at load naming the file.

Column names come from files other people write, so they are data. Spaces, parentheses and
accents are fine (`Body Length (mm)` is a column name); what cannot be a name (empty, control
characters such as NUL, hundreds of characters, a double quote) is refused at load, naming the
file, by `check_column_name`. Every name reaches SQL through storage.identifiers.quote_identifier,
and every Dagster name derived from one (a check name) through `column_stems`.
"""

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from dq_pipelines.declared.errors import DefinitionFileError

# Far above any real column name; it keeps a generated name (e.g. `<name>__parsed`) and the
# messages that quote a name readable.
MAX_NAME_LENGTH = 128


def column_name_problem(name: object) -> str | None:
    """Why `name` cannot be a column name, or None if it can."""
    if not isinstance(name, str):
        return f"column names must be text, not {type(name).__name__} {name!r}"
    if not name.strip():
        return "a column name cannot be empty or blank"
    if len(name) > MAX_NAME_LENGTH:
        return f"column name {name[:40]!r}... is longer than {MAX_NAME_LENGTH} characters"
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in name):
        return f"column name {name!r} holds a control character"
    if '"' in name:
        # Quoting would carry it through our SQL, but not through every reader of the name
        # (the CSV header, SQL models written by hand); refused rather than half-supported.
        return f"column name {name!r} holds a double quote"
    return None


def check_column_name(name: object, path: Path, where: str = "") -> str:
    """`name`, if it can be a column name; else a DefinitionFileError naming the file."""
    problem = column_name_problem(name)
    if problem:
        raise DefinitionFileError(path, f"{where}: {problem}" if where else problem)
    return str(name)


# Long enough to read, short enough that `<stem>__format` stays a readable check name.
MAX_STEM_LENGTH = 48
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def identifier_stem(name: str) -> str:
    """A Dagster-safe name part (`[a-z0-9_]`, not starting with a digit) for any column name.

    Deterministic and readable: accents become ASCII, anything else becomes `_`, e.g.
    `Body Length (mm)` -> `body_length_mm`, `Ratio 15 N (o/oo)` -> `ratio_15_n_o_oo`,
    `2nd value` -> `c_2nd_value`. Different names may share a stem: `column_stems` settles that.
    """
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = _NOT_WORD.sub("_", plain.lower()).strip("_")[:MAX_STEM_LENGTH].rstrip("_")
    if not stem:  # e.g. a name written only in a non-Latin script
        return f"c_{_digest(name, 8)}"
    return f"c_{stem}" if stem[0].isdigit() else stem


def _digest(name: str, length: int) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def column_stems(names: Iterable[str]) -> dict[str, str]:
    """Each name's stem, unique among `names`: colliding stems get a short hash of the name.

    A name's stem depends only on the names it collides with, never on their order.
    """
    names = list(dict.fromkeys(names))
    stems = {n: identifier_stem(n) for n in names}
    for length in (6, 12, 64):
        counts = Counter(stems.values())
        clashing = [n for n in names if counts[stems[n]] > 1]
        if not clashing:
            return stems
        for n in clashing:
            stems[n] = f"{identifier_stem(n)}_{_digest(n, length)}"
    raise AssertionError("sha256 prefixes of distinct names collided")  # pragma: no cover
