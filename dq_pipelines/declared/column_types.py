"""Column types a contract may declare: DuckDB type names, checked and spelled as DuckDB does.

A type reaches DDL and casts, so it is refused at load unless it is a known base type (with an
optional `(precision, scale)`) that DuckDB itself accepts; it is then stored as DuckDB's own name
for it (`int` -> `INTEGER`, `text` -> `VARCHAR`, `numeric` -> `DECIMAL(18,3)`).
"""

import difflib
import re
from functools import cache

import duckdb

# The shape of a type name: words, then an optional (p) or (p, s). Nothing else may reach DDL.
_SHAPE = re.compile(r"^[A-Z][A-Z0-9_]*( [A-Z][A-Z0-9_]*)*(\(\d+(, ?\d+)?\))?$")
TEXT = ("VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR")
INTEGERS = (
    "INTEGER",
    "INT",
    "INT4",
    "BIGINT",
    "INT8",
    "SMALLINT",
    "INT2",
    "TINYINT",
    "INT1",
    "HUGEINT",
    "UBIGINT",
    "UINTEGER",
    "USMALLINT",
    "UTINYINT",
)
NUMBERS = ("DOUBLE", "FLOAT8", "FLOAT", "FLOAT4", "REAL", "DECIMAL", "NUMERIC")
BOOLEANS = ("BOOLEAN", "BOOL")
TIMESTAMPS = ("TIMESTAMP", "DATETIME", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE")
BASE_TYPES = (*TEXT, *INTEGERS, *NUMBERS, *BOOLEANS, "DATE", "TIME", *TIMESTAMPS, "UUID")


@cache
def duckdb_type(declared: str) -> str:
    """DuckDB's name for a declared type (`decimal(12,2)` -> `DECIMAL(12,2)`); ValueError if
    it is not a type a contract may declare."""
    upper = declared.strip().upper()
    base = upper.split("(")[0].strip()
    if not _SHAPE.match(upper) or base not in BASE_TYPES:
        close = difflib.get_close_matches(base, BASE_TYPES, n=1)
        hint = f"; did you mean `{close[0].lower()}`?" if close else ""
        raise ValueError(
            f"{declared!r} is not a column type{hint} (types: "
            "varchar, integer, bigint, double, decimal(p,s), boolean, date, timestamp...)"
        )
    with duckdb.connect(":memory:") as conn:
        try:
            ((name,),) = conn.execute(f"select typeof(cast(null as {upper}))").fetchall()
        except duckdb.Error as e:
            reason = str(e).splitlines()[0].split(": ", 1)[-1]
            raise ValueError(f"{declared!r} is not a type DuckDB accepts: {reason}") from e
    return str(name)


def kind(type_: str) -> str:
    """What a (canonical) type holds: text, integer, number, boolean, date, timestamp, other."""
    if type_ == "VARCHAR":
        return "text"
    if type_ in ("DATE", "BOOLEAN"):
        return type_.lower()
    if type_.startswith("TIMESTAMP"):
        return "timestamp"
    if type_ in ("DOUBLE", "FLOAT") or type_.startswith("DECIMAL"):
        return "number"
    if "INT" in type_:
        return "integer"
    return "other"
