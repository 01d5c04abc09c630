"""Values of sensitive columns, wherever they would be shown: check metadata, alerts, quarantine.

A column is sensitive when its source contract says `sensitive: true`, and so is every column a
SQL model computes from one, whatever it is called there (`query as search_text`,
`upper(query) as shouted`): sensitivity follows the column lineage sqlglot reads from the
model's SQL. When the lineage cannot be read, every column of the model counts as sensitive:
masking too much costs a less useful sample, too little a leak.

What is masked: the sampled values of a check that reads a sensitive column, and the strings in
its observed value (numbers, which are aggregates such as a mean, are kept); in dq_quarantine,
the sensitive columns of each row. A masked value keeps its first character and its length
(`a***(12)`), enough to tell values apart while fixing a delivery, not to read them.
"""

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from dq_pipelines.checks.gx_runner import CheckOutcome
from dq_pipelines.declared.contracts import ColumnSpec
from dq_pipelines.declared.project import Project
from dq_pipelines.declared.suites import COLUMN_KWARGS
from dq_pipelines.storage.identifiers import quote_identifier

MASKED_KEY = "masked"


def mask(value: Any) -> str | None:
    """A raw value as its first character and length ('a***(12)'); short values show neither."""
    if value is None:
        return None
    text = str(value)
    return f"{text[0] if len(text) > 4 else ''}***({len(text)})"


def mask_sql(column_sql: str) -> str:
    """`mask` as a DuckDB expression on a (quoted) column, for masking inside the warehouse."""
    text = f"({column_sql})::varchar"
    first = f"case when length({text}) > 4 then substring({text}, 1, 1) else '' end"
    return f"case when {text} is null then null else {first} || '***(' || length({text}) || ')' end"


def mask_strings(value: Any) -> Any:
    """Strings masked wherever they are in a JSON value; numbers (aggregates) are kept."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list):
        return [mask_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_strings(v) for k, v in value.items()}
    return value


def columns_read(kwargs: Any) -> set[str]:
    """The columns an expectation's kwargs name."""
    if not isinstance(kwargs, dict):
        return set()
    named = [kwargs.get(k) for k in COLUMN_KWARGS]
    return {c for v in named for c in (v if isinstance(v, list) else [v]) if isinstance(c, str)}


def sensitive_columns(project: Project, asset: str) -> frozenset[str]:
    """The columns of `asset` that hold, or are computed from, a sensitive source column."""
    return derived_columns(project, asset, lambda column: column.sensitive)


def derived_columns(
    project: Project, asset: str, pick: Callable[[ColumnSpec], bool]
) -> frozenset[str]:
    """The columns of `asset` that hold, or are computed from, a source column `pick` picks
    (sensitive ones, identifiers, quasi-identifiers), by the column lineage of each model."""
    for contract in project.contracts.values():
        if contract.raw_table == asset:
            return frozenset(c.name for c in contract.columns if pick(c))
    model = project.models.get(asset)
    if model is None:
        return frozenset()
    upstream = {dep: derived_columns(project, dep, pick) for dep in model.deps}
    if not any(upstream.values()):
        return frozenset()
    schemas = tuple(
        (dep, tuple(project.schemas.get(dep, {}))) for dep in sorted(model.deps)
    )  # fmt: skip
    sources = _column_sources(model.sql, schemas, tuple(project.schemas.get(asset, {})))
    if sources is None:  # lineage unreadable: every column may carry a picked value
        return frozenset(project.schemas.get(asset, {}))
    return frozenset(
        column
        for column, read in sources
        if any(_is_sensitive(table, name, upstream) for table, name in read)
    )


def _is_sensitive(table: str, column: str | None, upstream: Mapping[str, frozenset[str]]) -> bool:
    sensitive = upstream.get(table, frozenset())
    if column is None:  # a column lineage could not name: any sensitive one of the table
        return bool(sensitive)
    return column.lower() in {c.lower() for c in sensitive}


@lru_cache(maxsize=256)
def _column_sources(
    sql: str, schemas: tuple[tuple[str, tuple[str, ...]], ...], columns: tuple[str, ...]
) -> tuple[tuple[str, frozenset[tuple[str, str | None]]], ...] | None:
    """For each output column of a model, the (table, column) pairs its values come from;
    None if sqlglot cannot read the lineage. Cached: the SQL is code, read once."""
    from sqlglot import exp
    from sqlglot.errors import SqlglotError
    from sqlglot.lineage import lineage

    schema = {table: dict.fromkeys(cols, "VARCHAR") for table, cols in schemas}
    known = {table: {c.lower(): c for c in cols} for table, cols in schemas}
    found = []
    try:
        # Every output column in one pass: the query is qualified once, not once per column.
        nodes = lineage(None, sql, schema=schema, dialect="duckdb")
        assert isinstance(nodes, dict)
        by_name = {name.lower(): node for name, node in nodes.items()}
        for column in columns:
            read: set[tuple[str, str | None]] = set()
            for leaf in by_name[column.lower()].walk():
                if leaf.downstream or not isinstance(leaf.expression, exp.Table):
                    continue
                table = leaf.expression.name
                name = leaf.name.rsplit(".", 1)[-1].strip('"').lower()
                read.add((table, known.get(table, {}).get(name)))
            found.append((column, frozenset(read)))
    except (SqlglotError, KeyError, ValueError):
        return None
    return tuple(found)


def reads_sensitive(kwargs: Any, details: Mapping[str, Any], sensitive: Iterable[str]) -> list[str]:
    """The sensitive columns a check reads (named in its kwargs, its `column` detail, or the
    `shows_values_of` detail of a check computed outside GX)."""
    read = columns_read(kwargs) | ({details["column"]} if details.get("column") else set())
    read |= set(details.get("shows_values_of") or ())
    return sorted(read & set(sensitive))


def hide_sensitive(metadata: dict[str, Any], sensitive: frozenset[str]) -> None:
    """Mask, in place, the sampled and observed values of a check reading a sensitive column.

    Metadata masked once says so (`masked`) and is left alone, so masking at the check and
    again in the alert shows the same text.
    """
    if MASKED_KEY in metadata:
        return
    hidden = reads_sensitive(metadata.get("kwargs"), metadata, sensitive)
    if not hidden:
        return
    sample = metadata.get("unexpected_sample")
    if sample:
        metadata["unexpected_sample"] = _mask_sample(sample)
    metadata["observed_value"] = mask_strings(metadata.get("observed_value"))
    metadata[MASKED_KEY] = f"values of sensitive column(s) {', '.join(hidden)}"


def _mask_sample(sample: Any) -> Any:
    """A sample as a list, or as the UI's text of JSON literals (`"a", null`), each masked."""
    if not isinstance(sample, str):
        return [mask(v) for v in sample]
    try:
        values = json.loads(f"[{sample}]")
    except ValueError:  # not a list of values (a table of rows): all of it
        return mask(sample)
    return ", ".join(json.dumps(mask(v), ensure_ascii=False) for v in values)


def mask_outcome(outcome: CheckOutcome, sensitive: frozenset[str]) -> CheckOutcome:
    """The outcome with the values of sensitive columns it reads masked (see hide_sensitive)."""
    hidden = reads_sensitive(outcome.details.get("kwargs"), outcome.details, sensitive)
    if not hidden or MASKED_KEY in outcome.details:
        return outcome
    said = f"values of sensitive column(s) {', '.join(hidden)}"
    masked = replace(
        outcome,
        unexpected_sample=[mask(v) for v in outcome.unexpected_sample],
        observed_value=mask_strings(outcome.observed_value),
        details=outcome.details | {MASKED_KEY: said},
    )
    if "shows_values_of" not in outcome.details:
        return masked
    # A check computed outside GX (an ML check) may name values anywhere in its figures and
    # its sentence: every text but the column names is masked, and the sentence withheld.
    figures = {
        k: v if k in ("shows_values_of", MASKED_KEY) else _mask_text(v)
        for k, v in masked.details.items()
    }
    return replace(masked, details=figures, description=f"Not shown: it names {said}.")


def _mask_text(value: Any) -> Any:
    """mask_strings, dictionary keys included (an ML check's figures are keyed by value)."""
    if isinstance(value, dict):
        return {mask(k): _mask_text(v) for k, v in value.items()}
    return mask_strings(value)


def row_json_sql(alias: str, columns: Iterable[str], sensitive: frozenset[str]) -> str:
    """A row as JSON (as `to_json(alias)`), its sensitive columns masked."""
    columns = list(columns)
    if not set(columns) & sensitive:
        return f"to_json({alias})"
    fields = ", ".join(
        f"{quote_identifier(c)} := "
        + (
            mask_sql(f"{alias}.{quote_identifier(c)}")
            if c in sensitive
            else f"{alias}.{quote_identifier(c)}"
        )
        for c in columns
    )
    return f"to_json(struct_pack({fields}))"
