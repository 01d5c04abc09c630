"""SQL models: one DuckDB SELECT per file under dbt_like_sql/; the tables it reads are its deps."""

import re
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import sqlglot
from sqlglot import exp

from dq_pipelines.declared.errors import DefinitionFileError

# A model's name is its file stem, and becomes a table and an asset key: an identifier, checked
# before anything reads the file (schema inference runs DuckDB on the model at load).
MODEL_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class SqlModel:
    name: str
    path: Path
    sql: str
    deps: tuple[str, ...]
    description: str


def tables_read(sql: str, path: Path) -> tuple[str, ...]:
    """Tables a SELECT reads, found by parsing it (CTE names are not tables)."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as e:
        raise DefinitionFileError(path, f"SQL does not parse: {e}") from e
    if not isinstance(tree, exp.Query):
        raise DefinitionFileError(path, "a model must be a single SELECT query")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    return tuple(sorted({t.name for t in tree.find_all(exp.Table) if t.name not in ctes}))


def _description(sql: str) -> str:
    first = sql.lstrip().splitlines()[0] if sql.strip() else ""
    return first.removeprefix("--").strip() if first.startswith("--") else ""


def load_sql_models(directory: Path, external_tables: set[str]) -> dict[str, SqlModel]:
    """Every model under directory, in dependency order; unknown tables and cycles are errors."""
    models: dict[str, SqlModel] = {}
    paths = sorted(directory.rglob("*.sql"))
    for path in paths:
        if not MODEL_NAME.match(path.stem):
            raise DefinitionFileError(
                path, f"a model's file name must be an identifier ({MODEL_NAME.pattern}).sql"
            )
    for path in paths:
        sql = path.read_text()
        if path.stem in models or path.stem in external_tables:
            raise DefinitionFileError(path, f"model name '{path.stem}' is already taken")
        models[path.stem] = SqlModel(
            name=path.stem,
            path=path,
            sql=sql.strip().rstrip(";"),
            deps=tables_read(sql, path),
            description=_description(sql),
        )
    known = external_tables | models.keys()
    for model in models.values():
        unknown = sorted(set(model.deps) - known)
        if unknown:
            raise DefinitionFileError(
                model.path, f"reads {unknown}, which are neither sources nor models"
            )
    try:
        order = TopologicalSorter({m.name: set(m.deps) & models.keys() for m in models.values()})
        names = [n for n in order.static_order() if n in models]
    except CycleError as e:
        raise DefinitionFileError(directory, f"models depend on each other in a cycle: {e}") from e
    return {name: models[name] for name in names}
