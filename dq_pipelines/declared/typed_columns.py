"""Delivered text -> declared type: the SQL a raw table's typed columns are made with.

A raw table's columns carry their contract types, so every expectation works on raw as on
staging. The text each row was delivered with is kept beside them, in one struct column
`_delivered` (a field per contract column, as text): a value that does not fit its type becomes
NULL in the typed column but never disappears, the `<column>__type` check finds it (typed NULL,
delivered text present) and quarantine shows it as it came in. The published raw table keeps
`_delivered`, and staging models carry it on, so a row quarantined at any layer shows its
delivered text (the cost: each delivered value is stored twice, as text and typed).

"Missing" is decided on the delivered text, once, here: NULL (DuckDB reads an empty field as
NULL), one of the column's `null_values` (the contract's unless the column has its own;
default the empty string), or blank for a non-text type. A missing value is NULL in the typed
column and fails only `<column>__not_null` (if required), never `<column>__type`.
"""

from dq_pipelines.declared import column_types
from dq_pipelines.declared.contracts import ColumnSpec, SourceContract
from dq_pipelines.declared.formats import parse_expression
from dq_pipelines.storage.identifiers import quote_identifier

DELIVERED = "_delivered"
TEXT_TYPES = frozenset(column_types.TEXT)


def is_text(column: ColumnSpec) -> bool:
    """A text column keeps its delivered value as is: it has no type to fail."""
    return column.type in TEXT_TYPES


def delivered_sql(column: str, alias: str | None = None) -> str:
    """The delivered text of a column, read from a table's `_delivered` struct."""
    struct = f"{alias}.{DELIVERED}" if alias else DELIVERED
    return f"struct_extract({struct}, {_text_literal(column)})"


def missing_sql(column: ColumnSpec, text: str) -> str:
    """True when the delivered text `text` (a SQL expression) holds no value."""
    tests = [f"{text} is null"]
    if column.null_values:
        markers = ", ".join(_text_literal(v) for v in column.null_values)
        tests.append(f"{text} in ({markers})")
    if not is_text(column):
        tests.append(f"trim({text}) = ''")
    return f"({' or '.join(tests)})"


def _text_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def typed_sql(column: ColumnSpec, text: str) -> str:
    """The declared type's value of the delivered text `text` (a quoted column), NULL when
    missing or when it does not cast (date/timestamp columns through their declared formats)."""
    if is_text(column):
        return f"case when {missing_sql(column, text)} then null else {text} end"
    if column.formats:
        cast = parse_expression(column.name, column.formats, column.type)
    else:
        cast = f"try_cast({text} as {column.type})"
    return f"case when {missing_sql(column, text)} then null else {cast} end"


def delivered_struct_sql(contract: SourceContract) -> str:
    """The `_delivered` struct of a row read as text (every contract column, unquoted reads)."""
    fields = ", ".join(
        f"{quote_identifier(c)} := {quote_identifier(c)}" for c in contract.column_names
    )
    return f"struct_pack({fields})"


def delivered_type(contract: SourceContract) -> str:
    """The DuckDB type of the `_delivered` column."""
    fields = ", ".join(f"{quote_identifier(c)} VARCHAR" for c in contract.column_names)
    return f"STRUCT({fields})"
