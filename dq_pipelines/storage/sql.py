"""The warehouse's SQL dialect: the DuckDB-only idioms other packages need, written once.

Publishing and landing build SQL of their own (staging, quarantine, the manifest); where that
SQL needs something standard SQL does not say, they ask this module instead of writing DuckDB's
spelling, so a second backend replaces this module, not the statements spread over wap/ and
landing/. What is still DuckDB-specific outside storage/ is listed in storage/__init__.py.
"""

from collections.abc import Iterable, Mapping


def row_position(alias: str | None = None) -> str:
    """A row's position in a table written once and never changed (a staged table): DuckDB's
    `rowid`, 0-based in insertion order. A backend without one numbers rows when staging."""
    return f"{alias}.rowid" if alias else "rowid"


def labels_where(conditions: Mapping[str, str], literal: Mapping[str, str]) -> str:
    """A list expression: the labels whose condition holds on the row (`literal`: each label
    as a SQL literal)."""
    cases = ", ".join(
        f"case when {cond} then {literal[name]} end" for name, cond in conditions.items()
    )
    return f"list_filter([{cases or 'null'}], lambda x: x is not null)"


def list_of(literals: Iterable[str]) -> str:
    """A list value from SQL literals (for a list-typed column)."""
    return f"[{', '.join(literals)}]"


def unnest(list_expression: str) -> str:
    """One row per element of a list expression."""
    return f"unnest({list_expression})"
