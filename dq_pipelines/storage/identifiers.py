"""Names in SQL: one way to quote an identifier for the warehouse.

Column and table names come from files other people write, so they are data: every one reaches
SQL through `quote_identifier`, never pasted between hand-written quotes (declared/names.py
says which names a contract may use at all).
"""


def quote_identifier(name: str) -> str:
    """A name as a DuckDB identifier: in double quotes, with its own quotes doubled."""
    return '"' + name.replace('"', '""') + '"'
