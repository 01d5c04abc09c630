"""Source contracts: one YAML file per external source, the single place a source is declared."""

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from dq_pipelines.declared.contract_schema import SEVERITIES as SEVERITIES  # re-exported
from dq_pipelines.declared.contract_schema import ColumnModel, ContractModel
from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.declared.names import column_stems, identifier_stem
from dq_pipelines.declared.paths import DELIVERY_PLACEHOLDER
from dq_pipelines.declared.schema_errors import read_model

_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ColumnSpec:
    """A declared column (the keys are documented in declared/contract_schema.py)."""

    name: str  # as the file's header spells it; any text column_name_problem accepts
    type: str  # DuckDB's own name for the declared type (column_types.duckdb_type)
    required: bool
    description: str = ""
    # Accepted text formats of a date/timestamp column (names in formats.FORMATS or strftime
    # patterns, see formats.date_format); the raw table's typed column is parsed with the
    # first one that fits (declared/typed_columns.py).
    formats: tuple[str, ...] = ()
    # Data-level freshness: the newest parsed value may be at most this many days older than
    # the delivery date (None: not checked).
    max_age_days: int | None = None
    # Personal or confidential values: alerts show counts and masked samples, never the values.
    sensitive: bool = False
    # plain, sensitive, quasi_identifier or identifier (all but plain are also `sensitive`).
    privacy: str = "plain"
    # What is done to it before training ("hash", "drop", "truncate:N", "bucket:W"), or None.
    transform: str | None = None
    # Severity of the checks this column's declaration implies (ERROR blocks, WARN informs).
    severity: str = "ERROR"
    # The only allowed values (None: any); text, numbers, booleans or dates per the type.
    values: tuple[object, ...] | None = None
    # Inclusive bounds (None: unbounded): numbers, or dates/datetimes for date/timestamp columns.
    min: float | int | date | None = None
    max: float | int | date | None = None
    # A Python regex every value must match (searched, as GX does); proven at load to have an
    # RE2 equivalent DuckDB runs (declared/regexes.py).
    pattern: str | None = None
    # Delivered texts that mean "missing" in this column: the column's own list, else the
    # contract's (default: the empty string).
    null_values: tuple[str, ...] = ("",)
    # The column's part of Dagster names (check names): `[a-z0-9_]`, unique in its contract
    # (names.column_stems); derived from the name alone when not given.
    stem: str = ""

    def __post_init__(self) -> None:
        if not self.stem:
            object.__setattr__(self, "stem", identifier_stem(self.name))


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
    # Delivered texts that mean "missing" unless a column says otherwise.
    null_values: tuple[str, ...] = ("",)
    # "snapshot": a delivery replaces the table; "append": it adds its rows, and a re-delivery
    # of a date replaces that date's rows.
    mode: str = "snapshot"
    # mode append: the declared columns that identify a row across deliveries.
    key: tuple[str, ...] = ()
    # The files' text encoding, as DuckDB's CSV reader names it: utf-8, utf-16 or latin-1.
    encoding: str = "utf-8"

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
        cannot leave the folder (`paths.check_path_pattern`), and an entry reached through a linked
        folder (the glob follows those) is refused when read, never opened.
        """
        found: dict[date, list[Path]] = {}
        date_index = PurePosixPath(self.path_pattern).parts.index(DELIVERY_PLACEHOLDER)
        for entry in sorted(landing_dir.glob(self.path_pattern.replace(DELIVERY_PLACEHOLDER, "*"))):
            parts = entry.relative_to(landing_dir).parts
            if _DATE_DIR.match(parts[date_index]):
                found.setdefault(date.fromisoformat(parts[date_index]), []).append(entry)
        return dict(sorted(found.items()))


def _column(name: str, model: ColumnModel, stem: str, null_values: list[str]) -> ColumnSpec:
    return ColumnSpec(
        name=name,
        type=model.type,
        required=model.required,
        description=model.description,
        formats=model.format_list,
        max_age_days=model.max_age_days,
        sensitive=model.sensitive or model.privacy != "plain",
        privacy="sensitive" if model.sensitive and model.privacy == "plain" else model.privacy,
        transform=model.transform,
        severity=model.severity,
        values=None if model.values is None else tuple(model.values),
        min=model.min,
        max=model.max,
        pattern=model.pattern,
        null_values=tuple(null_values if model.null_values is None else model.null_values),
        stem=stem,
    )


def _read(path: Path) -> ContractModel:
    model = read_model(path, ContractModel, "a contract must be a YAML mapping")
    if model.name != path.stem:
        raise DefinitionFileError(
            path, f"name '{model.name}' must be snake_case and match the file name"
        )
    return model


def parse_contract(path: Path) -> SourceContract:
    """Read and check one contract file (contract_schema.ContractModel); every problem names
    the file and the key."""
    model = _read(path)
    stems = column_stems(model.columns)
    return SourceContract(
        name=model.name,
        description=model.description.strip(),
        path=path,
        path_pattern=model.path_pattern,
        format=model.format,
        delimiter=model.delimiter,
        primary_key=tuple(model.primary_key),
        columns=tuple(
            _column(name, spec, stems[name], model.null_values)
            for name, spec in model.columns.items()
        ),
        freshness=FreshnessSpec(model.freshness.max_delivery_lag_days, model.freshness.severity),
        min_format_share=model.min_format_share,
        max_quarantine_share=model.quarantine.max_share,
        null_values=tuple(model.null_values),
        mode=model.mode,
        key=tuple(model.key),
        encoding=model.encoding,
    )


def load_contracts(directory: Path) -> dict[str, SourceContract]:
    """All contracts in a folder, by source name."""
    return {c.name: c for c in map(parse_contract, sorted(directory.glob("*.yaml")))}
