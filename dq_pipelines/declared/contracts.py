"""Source contracts: one YAML file per external source, the single place a source is declared."""

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath, PureWindowsPath

import yaml

from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.declared.formats import FORMATS
from dq_pipelines.declared.names import check_column_name

DELIVERY_PLACEHOLDER = "{delivery_date}"
SUPPORTED_FORMATS = ("csv",)
SEVERITIES = ("ERROR", "WARN")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A DuckDB type name as a contract may declare it: VARCHAR, DECIMAL(10, 2), TIMESTAMP WITH TIME
# ZONE... (it may reach DDL, so nothing else).
_TYPE = re.compile(r"^[A-Z][A-Z0-9_]*( [A-Z][A-Z0-9_]*)*(\(\d+(, ?\d+)?\))?$")


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    required: bool
    description: str = ""
    # Accepted text formats of a date/timestamp column (names in formats.FORMATS); the raw table
    # gets a typed `<name>__parsed` column parsed with the first one that fits.
    formats: tuple[str, ...] = ()
    # Data-level freshness: the newest parsed value may be at most this many days older than
    # the delivery date (None: not checked).
    max_age_days: int | None = None
    # Personal or confidential values: alerts show counts and masked samples, never the values.
    sensitive: bool = False

    @property
    def parsed_name(self) -> str:
        return f"{self.name}__parsed"


@dataclass(frozen=True)
class FreshnessSpec:
    """How many days a source may lag behind the newest delivery of any source."""

    max_delivery_lag_days: int
    severity: str


@dataclass(frozen=True)
class SourceContract:
    name: str
    description: str
    path: Path
    path_pattern: str
    format: str
    delimiter: str
    primary_key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    freshness: FreshnessSpec
    min_format_share: float = 0.99  # share of values that must match a declared format
    # Quarantine or block: a delivery whose rows fail ERROR row-level expectations publishes its
    # passing rows (failing ones go to quarantine) while the failing share is at most this;
    # above it the whole delivery is held. 0 holds a delivery on any failing row.
    max_quarantine_share: float = 0.0

    @property
    def raw_table(self) -> str:
        return f"raw_{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def formatted_columns(self) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if c.formats)

    def deliveries(self, landing_dir: Path) -> dict[date, list[Path]]:
        """Delivery entries found in the landing folder, by delivery date (oldest first).

        Entries are only found here, never opened: what each one is (a regular file, or a link,
        a FIFO, a folder...) is checked when it is read (landing_entries.py), so a hostile entry
        rejects its delivery with a reason instead of silently vanishing from it. The pattern
        cannot leave the folder (`_check_path_pattern`), and an entry reached through a linked
        folder (the glob follows those) is refused when read, never opened.
        """
        found: dict[date, list[Path]] = {}
        date_index = PurePosixPath(self.path_pattern).parts.index(DELIVERY_PLACEHOLDER)
        for entry in sorted(landing_dir.glob(self.path_pattern.replace(DELIVERY_PLACEHOLDER, "*"))):
            parts = entry.relative_to(landing_dir).parts
            if _DATE_DIR.match(parts[date_index]):
                found.setdefault(date.fromisoformat(parts[date_index]), []).append(entry)
        return dict(sorted(found.items()))


def _check_path_pattern(pattern: str, path: Path) -> None:
    """The pattern stays inside the landing folder and names the delivery date folder.

    Relative, without `..` segments: then its glob base (the part before the first wildcard)
    is the landing folder or a folder below it, whatever the landing folder is.
    """
    if DELIVERY_PLACEHOLDER not in pattern:
        raise DefinitionFileError(path, f"path_pattern must contain {DELIVERY_PLACEHOLDER}")
    if PurePosixPath(pattern).is_absolute() or PureWindowsPath(pattern).anchor:
        raise DefinitionFileError(
            path, f"path_pattern {pattern!r} must be relative to the landing folder"
        )
    parts = PurePosixPath(pattern).parts
    if ".." in parts:
        raise DefinitionFileError(
            path,
            f"path_pattern {pattern!r} must not contain '..': it would leave the landing folder",
        )
    if DELIVERY_PLACEHOLDER not in parts:
        raise DefinitionFileError(
            path,
            f"path_pattern {pattern!r}: {DELIVERY_PLACEHOLDER} must be a whole folder name, "
            f"e.g. '<source>/{DELIVERY_PLACEHOLDER}/<source>*.csv'",
        )


def _require(raw: dict, key: str, path: Path) -> object:
    if key not in raw:
        raise DefinitionFileError(path, f"missing required key '{key}'")
    return raw[key]


def _max_age(spec: dict, name: object, formats: tuple[str, ...], path: Path) -> int | None:
    if "max_age_days" not in spec:
        return None
    if not formats or not isinstance(spec["max_age_days"], int) or spec["max_age_days"] < 0:
        raise DefinitionFileError(
            path, f"column '{name}': max_age_days needs formats and a whole number of days >= 0"
        )
    return spec["max_age_days"]


def _parse_columns(raw: object, path: Path) -> tuple[ColumnSpec, ...]:
    if not isinstance(raw, dict) or not raw:
        raise DefinitionFileError(path, "'columns' must be a non-empty mapping of name -> spec")
    columns = []
    for key, spec in raw.items():
        name = check_column_name(key, path, "columns")
        if not isinstance(spec, dict) or "type" not in spec:
            raise DefinitionFileError(path, f"column '{name}' needs at least a 'type'")
        type_ = str(spec["type"]).upper()
        if not _TYPE.match(type_):
            raise DefinitionFileError(path, f"column '{name}': {type_!r} is not a type name")
        formats = spec.get("formats", [spec["format"]] if "format" in spec else [])
        formats = tuple(formats if isinstance(formats, list) else [formats])
        unknown = [f for f in formats if f not in FORMATS]
        if unknown:
            raise DefinitionFileError(
                path, f"column '{name}': unknown format(s) {unknown}; known: {list(FORMATS)}"
            )
        if formats and type_ not in ("DATE", "TIMESTAMP"):
            raise DefinitionFileError(path, f"column '{name}': formats need type date or timestamp")
        sensitive = spec.get("sensitive", False)
        if not isinstance(sensitive, bool):
            raise DefinitionFileError(path, f"column '{name}': sensitive must be true or false")
        columns.append(
            ColumnSpec(
                name=name,
                type=type_,
                required=bool(spec.get("required", False)),
                description=str(spec.get("description", "")),
                formats=formats,
                max_age_days=_max_age(spec, name, formats, path),
                sensitive=sensitive,
            )
        )
    return tuple(columns)


def parse_contract(path: Path) -> SourceContract:
    """Read and check one contract file; every problem names the file."""
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        raise DefinitionFileError(path, f"not valid YAML: {e}") from e
    if not isinstance(raw, dict):
        raise DefinitionFileError(path, "a contract must be a YAML mapping")
    name = str(_require(raw, "name", path))
    if not _NAME.match(name) or name != path.stem:
        raise DefinitionFileError(path, f"name '{name}' must be snake_case and match the file name")
    pattern = str(_require(raw, "path_pattern", path))
    _check_path_pattern(pattern, path)
    fmt = str(raw.get("format", "csv"))
    if fmt not in SUPPORTED_FORMATS:
        raise DefinitionFileError(path, f"format '{fmt}' is not one of {SUPPORTED_FORMATS}")
    delimiter = str(raw.get("delimiter", ","))
    if len(delimiter) != 1:
        raise DefinitionFileError(path, f"delimiter must be one character, not {delimiter!r}")
    columns = _parse_columns(_require(raw, "columns", path), path)
    primary_key = tuple(raw.get("primary_key", ()))
    unknown_keys = set(primary_key) - {c.name for c in columns}
    if unknown_keys:
        raise DefinitionFileError(
            path, f"primary_key names undeclared columns {sorted(unknown_keys)}"
        )
    quarantine = raw.get("quarantine", {}) or {}
    max_share = quarantine.get("max_share", 0.0) if isinstance(quarantine, dict) else None
    if not isinstance(max_share, int | float) or not 0 <= max_share < 1:
        raise DefinitionFileError(
            path, "quarantine.max_share must be a share of rows from 0 (hold on any) below 1"
        )
    fresh = raw.get("freshness", {}) or {}
    severity = str(fresh.get("severity", "WARN")).upper()
    if severity not in SEVERITIES:
        raise DefinitionFileError(path, f"freshness.severity must be one of {SEVERITIES}")
    return SourceContract(
        name=name,
        description=str(raw.get("description", "")).strip(),
        path=path,
        path_pattern=pattern,
        format=fmt,
        delimiter=delimiter,
        primary_key=primary_key,
        columns=columns,
        min_format_share=float(raw.get("min_format_share", 0.99)),
        max_quarantine_share=float(max_share),
        freshness=FreshnessSpec(int(fresh.get("max_delivery_lag_days", 0)), severity),
    )


def load_contracts(directory: Path) -> dict[str, SourceContract]:
    """All contracts in a folder, by source name."""
    return {c.name: c for c in map(parse_contract, sorted(directory.glob("*.yaml")))}
