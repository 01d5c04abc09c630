"""ML-check files: the checks that judge an asset as training data, one YAML file per asset.

`dq_pipelines/defs/validate/ml_checks/<asset>.yaml` holds `checks:`, each check's name mapped to
its `kind` and options (declared/ml_check_schema.py lists the kinds). Like a suite, the file is
the contract and each check becomes one Dagster check on the asset, run in its audit; unlike a
suite's expectations, these compute statistics over the whole table (a proxy model's
cross-validation, agreement coefficients, drift). Loading is pure: the files and the schemas.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.declared.ml_check_schema import MlCheckFileModel
from dq_pipelines.declared.schema_errors import read_model
from dq_pipelines.declared.schemas import TableSchema

_CHECK_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Options naming columns of the checked asset, whatever the kind.
_COLUMN_OPTIONS = (
    "label_column",
    "group_column",
    "id_column",
    "text_columns",
    "numeric_columns",
    "item_column",
    "annotator_column",
    "features",
    "ignore",
    "scan_columns",
    "quasi_identifiers",
    "query_column",
    "product_column",
    "rank_column",
    "clicked_column",
    "thumbs_column",
    "time_column",
    "version_column",
)


@dataclass(frozen=True)
class MlCheckSpec:
    """One declared ML check: its asset, name and options (a kind's model)."""

    asset: str
    name: str
    options: BaseModel
    path: Path

    @property
    def kind(self) -> str:
        return self.options.kind  # type: ignore[attr-defined]

    @property
    def severity(self) -> str:
        """The most severe result it can report, which decides whether it blocks."""
        return self.options.declared_severity  # type: ignore[attr-defined]

    @property
    def description(self) -> str:
        text = (type(self.options).__doc__ or self.kind).strip()
        note = self.options.note  # type: ignore[attr-defined]
        return f"{text} {note}".strip()

    @property
    def columns(self) -> tuple[str, ...]:
        """The asset's columns the options name (checked against its schema at load)."""
        named: list[str] = []
        for option in _COLUMN_OPTIONS:
            value = getattr(self.options, option, None)
            named += [value] if isinstance(value, str) else list(value or ())
        named += list(getattr(self.options, "columns", {}) or {})
        return tuple(dict.fromkeys(named))


def parse_ml_checks(path: Path, schema: TableSchema | None) -> list[MlCheckSpec]:
    """One file's checks, each naming only columns the asset has."""
    asset = path.stem
    if schema is None:
        raise DefinitionFileError(path, f"no asset named '{asset}' (the file name is the asset)")
    specs = []
    what = "an ML-check file must be a YAML mapping with `checks:`"
    for name, options in read_model(path, MlCheckFileModel, what).checks.items():
        if not _CHECK_NAME.match(name):
            raise DefinitionFileError(path, f"check name '{name}' must be snake_case")
        spec = MlCheckSpec(asset, name, options, path)
        if unknown := [c for c in spec.columns if c not in schema]:
            raise DefinitionFileError(
                path, f"checks.{name}: {asset} has no column(s) {unknown}; it has {list(schema)}"
            )
        specs.append(spec)
    return specs


def load_ml_checks(
    directory: Path, schemas: Mapping[str, TableSchema]
) -> dict[str, list[MlCheckSpec]]:
    """Every ML-check file in a folder, by the asset it judges."""
    return {
        p.stem: parse_ml_checks(p, schemas.get(p.stem)) for p in sorted(directory.glob("*.yaml"))
    }
