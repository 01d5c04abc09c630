"""Expectation suites: GX suite JSON files, one per asset, each expectation one Dagster check.

The file is the contract: `{"name", "meta", "expectations": [{"type", "kwargs", "meta"}]}`.
Severity is `meta.severity` (`ERROR` blocks, `WARN` informs) on an expectation, else on the
suite, else ERROR. Check names are derived from the expectation and its columns' stems (any
column name gives a valid name); `meta.check_name` overrides the derived check name. A check's
description is the expectation in words (declared/expectation_text.py), then `meta.notes`.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dq_pipelines.declared.contracts import SEVERITIES
from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.declared.expectation_text import describe_expectation
from dq_pipelines.declared.names import column_stems, identifier_stem
from dq_pipelines.declared.regexes import REGEX_EXPECTATIONS, UnsupportedRegex, check_regex_kwargs
from dq_pipelines.declared.schemas import TableSchema

# kwargs of a GX expectation that name columns of the validated table (others, e.g.
# column_set, are values); also what masking reads to find an expectation's columns.
COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list")
_CHECK_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_TYPE_PREFIXES = ("expect_column_values_to_", "expect_column_", "expect_table_", "expect_")


@dataclass(frozen=True)
class ExpectationSpec:
    check_name: str
    type: str
    kwargs: Mapping[str, Any]
    severity: str
    description: str
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def columns(self) -> tuple[str, ...]:
        named: list[str] = []
        for key in COLUMN_KWARGS:
            value = self.kwargs.get(key)
            named.extend(value if isinstance(value, list) else [value] if value else [])
        return tuple(named)


ENGINES = ("auto", "pandas")


@dataclass(frozen=True)
class SuiteSpec:
    asset: str
    path: Path
    expectations: tuple[ExpectationSpec, ...]
    # "auto": in DuckDB through GX's SQL engine, falling back to pandas per expectation where
    # GX has no SQL implementation; "pandas": fetch the table and validate it in pandas.
    engine: str = "auto"


def derive_check_name(
    expectation_type: str, kwargs: Mapping[str, Any], stems: Mapping[str, str] | None = None
) -> str:
    """e.g. expect_column_values_to_not_be_null(column=title) -> title__not_null; a column
    enters as its stem (`Body Length (mm)` -> body_length_mm), from `stems` if given."""
    short = next(
        (
            expectation_type.removeprefix(p)
            for p in _TYPE_PREFIXES
            if expectation_type.startswith(p)
        ),
        expectation_type,
    )
    short = short.replace("not_be_", "not_").replace("to_be_", "").removeprefix("be_")
    stems = stems or {}
    named = [kwargs["column"]] if kwargs.get("column") else list(kwargs.get("column_list", []))
    column = "_".join(stems.get(c) or identifier_stem(str(c)) for c in named)
    return f"{column}__{short}" if column else short


def _severity(meta: Mapping[str, Any], default: str, path: Path, where: str) -> str:
    severity = str(meta.get("severity", default)).upper()
    if severity not in SEVERITIES:
        raise DefinitionFileError(
            path, f"{where}: severity '{severity}' is not one of {SEVERITIES}"
        )
    return severity


def _check_gx_config(exp_type: str, kwargs: dict, path: Path, where: str) -> None:
    """Let GX itself reject unknown expectation types and bad kwargs, at load time."""
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    try:
        ExpectationConfiguration(type=exp_type, kwargs=kwargs).to_domain_obj()
    except Exception as e:  # GX raises several unrelated types (pydantic, its own, KeyError)
        raise DefinitionFileError(path, f"{where}: GX rejects {exp_type}: {e}") from e


def parse_suite(path: Path, schema: TableSchema | None) -> SuiteSpec:
    """Read one suite file; every problem names the file and the expectation."""
    try:
        raw = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise DefinitionFileError(path, f"not valid JSON: {e}") from e
    if schema is None:
        raise DefinitionFileError(path, f"no asset named '{path.stem}' to attach this suite to")
    if not isinstance(raw, dict) or not isinstance(raw.get("expectations"), list):
        raise DefinitionFileError(path, "a suite must be an object with an 'expectations' list")
    suite_meta = raw.get("meta") or {}
    suite_severity = _severity(suite_meta, "ERROR", path, "suite meta")
    engine = str(suite_meta.get("engine", "auto"))
    if engine not in ENGINES:
        raise DefinitionFileError(path, f"suite meta: engine '{engine}' is not one of {ENGINES}")
    specs: list[ExpectationSpec] = []
    stems = column_stems(schema)
    for i, item in enumerate(raw["expectations"]):
        where = f"expectation #{i}"
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise DefinitionFileError(path, f"{where}: needs a 'type' string")
        kwargs, meta = dict(item.get("kwargs") or {}), dict(item.get("meta") or {})
        _check_gx_config(item["type"], kwargs, path, where)
        name = str(meta.get("check_name") or derive_check_name(item["type"], kwargs, stems))
        where = f"expectation #{i} ({name})"
        spec = ExpectationSpec(
            check_name=name,
            type=item["type"],
            kwargs=kwargs,
            severity=_severity(meta, suite_severity, path, where),
            description=describe_expectation(
                item["type"], kwargs, str(meta.get("notes") or meta.get("description") or "")
            ),
            meta=meta,
        )
        if not _CHECK_NAME.match(name):
            raise DefinitionFileError(path, f"{where}: check name must match {_CHECK_NAME.pattern}")
        if name in {s.check_name for s in specs}:
            raise DefinitionFileError(
                path, f"{where}: check name is used twice; set meta.check_name"
            )
        missing = [c for c in spec.columns if c not in schema]
        if missing:
            raise DefinitionFileError(
                path, f"{where}: column(s) {missing} not in {path.stem} (has {sorted(schema)})"
            )
        if spec.type in REGEX_EXPECTATIONS:
            try:
                check_regex_kwargs(kwargs, schema.get(str(kwargs.get("column"))))
            except UnsupportedRegex as e:
                raise DefinitionFileError(path, f"{where}: {e}") from e
        specs.append(spec)
    return SuiteSpec(asset=path.stem, path=path, expectations=tuple(specs), engine=engine)


def load_suites(directory: Path, schemas: Mapping[str, TableSchema]) -> dict[str, SuiteSpec]:
    """All suites in a folder, by the asset they guard (the file name)."""
    return {p.stem: parse_suite(p, schemas.get(p.stem)) for p in sorted(directory.glob("*.json"))}
