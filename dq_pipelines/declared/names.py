"""What can be a column name in a contract or suite, refused at load naming the file.

Column names come from files other people write, so they are data. Spaces, parentheses and
accents are fine (`Body Length (mm)` is a column name); what cannot be a name (empty, control
characters such as NUL, hundreds of characters, a double quote) is refused at load, naming the
file, by `check_column_name`. Every name reaches SQL through storage.identifiers.quote_identifier.
"""

import unicodedata
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
