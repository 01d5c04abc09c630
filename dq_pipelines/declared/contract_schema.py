"""The schema of a contract file: every key it may hold, its type, default and meaning.

Contracts are parsed through these pydantic models (declared/contracts.py turns the result into
the SourceContract the rest of the code reads): an unknown key, a wrong type or an invalid value
fails at load (declared/schema_errors.py names the file, the key path and the closest valid key).
The field descriptions are the reference: `contract_json_schema()` exposes them, and the README's
"Add a source" section is tested against it.
"""

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from dq_pipelines.declared import column_types
from dq_pipelines.declared.formats import UnknownFormat, date_format
from dq_pipelines.declared.names import column_name_problem
from dq_pipelines.declared.paths import check_path_pattern
from dq_pipelines.declared.regexes import UnsupportedRegex, check_regex

SEVERITIES = ("ERROR", "WARN")
ENCODINGS = ("utf-8", "utf-16", "latin-1")
_SNAKE = r"^[a-z][a-z0-9_]*$"
_TRANSFORM = re.compile(r"^(hash|drop|truncate:[1-9][0-9]*|bucket:[0-9]+(\.[0-9]+)?)$")


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _scalar(value: object) -> object:
    if isinstance(value, bool | int | float | str | date):
        return value
    raise ValueError(f"{value!r} is not a number, text, true/false or a date")


def _empty_is_default(value: object) -> object:
    return {} if value is None else value  # `quarantine:` with nothing under it


Severity = Annotated[Literal["ERROR", "WARN"], BeforeValidator(_upper)]
# A value a column may hold or be bounded by; checked against the column's type.
Scalar = Annotated[
    Any,
    PlainValidator(_scalar),
    WithJsonSchema({"type": ["number", "string", "boolean"], "format": "number, text or date"}),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ColumnModel(_Model):
    """One column of the delivered file, under `columns:` by its name as the file spells it."""

    type: str = Field(
        description="DuckDB type: varchar, integer, bigint, double, decimal(p,s), boolean, "
        "date, timestamp..."
    )
    required: bool = Field(False, description="Every row has a value (a not-null check).")
    description: str = Field("", description="What the column holds (shown in the UI).")
    formats: list[str] | str = Field(
        [],
        description="Date/timestamp columns: accepted text formats, tried in order: "
        "dd/mm/yyyy, mm/dd/yyyy, yyyy-mm-dd, iso_timestamp, epoch_s, epoch_ms or a strftime "
        'pattern such as "%Y/%m/%d" or "%b %d %Y".',
    )
    format: str | None = Field(None, description="One accepted format (same as `formats: [x]`).")
    max_age_days: int | None = Field(
        None,
        ge=0,
        description="Date columns: the newest value is at most this many days older than the "
        "delivery (a WARN check).",
    )
    sensitive: bool = Field(
        False, description="Personal or confidential: alerts show masked samples, never values."
    )
    privacy: Literal["plain", "sensitive", "quasi_identifier", "identifier"] = Field(
        "plain",
        description="identifier: names a person on its own (must not reach the training set "
        "unless its transform hashes or drops it); quasi_identifier: identifies in "
        "combination (k_anonymity checks the training set over these); sensitive: as "
        "`sensitive: true`. Values of all but plain are masked wherever shown.",
    )
    transform: str | None = Field(
        None,
        description="Applied where the column reaches the training set, before the model "
        "sees it: hash (HMAC-SHA256 with the secret DQ_PRIVACY_SALT), drop, truncate:N "
        "(first N characters), bucket:W (numbers to multiples of W).",
    )
    severity: Severity = Field(
        "ERROR", description="Severity of this column's checks: ERROR blocks, WARN informs."
    )
    values: list[Scalar] | None = Field(
        None, min_length=1, description="The only values allowed (an in-set check)."
    )
    min: Scalar | None = Field(
        None, description="Smallest allowed value: a number, or a date for date columns."
    )
    max: Scalar | None = Field(
        None, description="Largest allowed value: a number, or a date for date columns."
    )
    pattern: str | None = Field(
        None,
        description="Text columns: a regex every value must match (searched; anchor with ^ "
        "and $); it must have an RE2 equivalent, as it runs in DuckDB.",
    )
    null_values: list[str] | None = Field(
        None, description="Texts meaning 'missing' in this column (overrides the contract's)."
    )

    @field_validator("transform")
    @classmethod
    def _known_transform(cls, value: str | None) -> str | None:
        if value is not None and not _TRANSFORM.match(value):
            raise ValueError(f"transform {value!r} is not one of hash, drop, truncate:N, bucket:W")
        return value

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        return column_types.duckdb_type(value)

    @field_validator("formats", "format")
    @classmethod
    def _known_formats(cls, value: list[str] | str | None, info: ValidationInfo) -> Any:
        for name in [value] if isinstance(value, str) else value or []:
            try:
                date_format(name)
            except UnknownFormat as e:
                raise ValueError(str(e)) from e
        if value and info.data.get("type") not in (None, "DATE", "TIMESTAMP"):
            raise ValueError("formats need type date or timestamp")
        return value

    @field_validator("max_age_days")
    @classmethod
    def _age_needs_formats(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and not (info.data.get("formats") or info.data.get("format")):
            raise ValueError("max_age_days needs the column's formats")
        return value

    @field_validator("values", "min", "max")
    @classmethod
    def _fits_the_type(cls, value: Any, info: ValidationInfo) -> Any:
        type_ = info.data.get("type")
        if type_ is None or value is None:  # no type: its refusal is reported already
            return value
        for item in value if isinstance(value, list) else [value]:
            if not _fits(item, column_types.kind(type_), bounds=info.field_name != "values"):
                raise ValueError(f"{item!r} does not fit the column's type ({type_.lower()})")
        return value

    @field_validator("pattern")
    @classmethod
    def _runs_in_duckdb(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("type", "VARCHAR") != "VARCHAR":  # absent: refused
            raise ValueError("pattern needs a text (varchar) column")
        if value is not None:
            try:
                check_regex(value)
            except UnsupportedRegex as e:
                raise ValueError(str(e)) from e
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "ColumnModel":
        if self.format is not None and self.formats:
            raise ValueError("give `formats` or `format`, not both")
        if self.min is not None and self.max is not None and not self.min <= self.max:
            raise ValueError(f"min {self.min!r} is above max {self.max!r}")
        return self

    @property
    def format_list(self) -> tuple[str, ...]:
        if self.format is not None:
            return (self.format,)
        return (self.formats,) if isinstance(self.formats, str) else tuple(self.formats)


def _fits(value: object, kind: str, bounds: bool) -> bool:
    """Whether `value` can be compared with a column of `kind` (min/max: `bounds`)."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind in ("integer", "number"):
        return is_number and (kind == "number" or bounds or isinstance(value, int))
    if kind == "date":
        return isinstance(value, date) and not isinstance(value, datetime)
    if kind == "timestamp":
        return isinstance(value, date)
    if bounds:
        return False  # min/max only on numbers and dates
    if kind == "text":
        return isinstance(value, str)
    return kind == "boolean" and isinstance(value, bool)


class QuarantineModel(_Model):
    """When failing rows are quarantined instead of holding the whole delivery."""

    max_share: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="Largest share of failing rows that are quarantined while the passing rows "
        "publish; above it the delivery is held. 0 holds on any failing row.",
    )


class FreshnessModel(_Model):
    """How late a delivery may be."""

    max_delivery_lag_days: int = Field(
        0, ge=0, description="Days the source may lag behind the newest delivery of any source."
    )
    severity: Severity = Field("WARN", description="Severity of the delivery_is_current check.")


class ContractModel(_Model):
    """A source's contract: contracts/<name>.yaml."""

    name: str = Field(pattern=_SNAKE, description="The source, snake_case; the file's name.")
    description: str = Field("", description="What the source is (shown in the UI).")
    path_pattern: str = Field(
        description="Where deliveries land, relative to the landing folder, with "
        "{delivery_date} as a whole folder: '<source>/{delivery_date}/<source>*.csv'."
    )
    format: Literal["csv"] = Field("csv", description="File format (csv).")
    delimiter: str = Field(",", min_length=1, max_length=1, description="CSV field separator.")
    encoding: Annotated[Literal["utf-8", "utf-16", "latin-1"], BeforeValidator(_lower)] = Field(
        "utf-8", description="Text encoding of the files: utf-8, utf-16 or latin-1."
    )
    null_values: list[str] = Field(
        [""], description="Texts meaning 'missing' in every column (a column may override)."
    )
    mode: Literal["snapshot", "append"] = Field(
        "snapshot",
        description="snapshot: each delivery replaces the table; append: each delivery adds "
        "its rows (a re-delivery of a date replaces that date's rows).",
    )
    key: list[str] = Field(
        [], description="mode append: the columns identifying a row across deliveries."
    )
    primary_key: list[str] = Field(
        [], description="Columns unique together within a delivery (a uniqueness check)."
    )
    min_format_share: float = Field(
        0.99, gt=0, le=1, description="Share of a date column's values that must match formats."
    )
    quarantine: Annotated[QuarantineModel, BeforeValidator(_empty_is_default)] = Field(
        QuarantineModel(), description="Quarantine rather than hold: `max_share`."
    )
    freshness: Annotated[FreshnessModel, BeforeValidator(_empty_is_default)] = Field(
        FreshnessModel(), description="Delivery lateness: `max_delivery_lag_days`, `severity`."
    )
    columns: dict[str, ColumnModel] = Field(
        min_length=1, description="The delivered columns, by name as in the file's header."
    )

    @field_validator("path_pattern")
    @classmethod
    def _inside_landing(cls, value: str) -> str:
        check_path_pattern(value)
        return value

    @field_validator("columns", mode="before")
    @classmethod
    def _column_names(cls, value: object) -> object:
        for name in value if isinstance(value, dict) else ():
            if problem := column_name_problem(name):
                raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _keys_are_columns(self) -> "ContractModel":
        for field in ("primary_key", "key"):
            unknown = sorted(set(getattr(self, field)) - set(self.columns))
            if unknown:
                raise ValueError(f"{field} names undeclared columns {unknown}")
        if self.mode == "append" and not self.key:
            raise ValueError("mode append needs a `key`: the columns identifying a row")
        if self.mode == "snapshot" and self.key:
            raise ValueError("`key` is only for mode: append (a snapshot replaces every row)")
        return self


def contract_json_schema() -> dict[str, Any]:
    """The JSON schema of a contract file (every key, its type, default and description)."""
    return ContractModel.model_json_schema()
