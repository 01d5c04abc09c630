"""Date formats a contract can declare, and the diagnosis of a delivery whose format changed.

A format is one of the named FORMATS or a strftime pattern (`"%Y/%m/%d"`, `"%b %d %Y"`) made of
the directives in `_DIRECTIVES`, proven at load to round-trip through DuckDB (`date_format`).
A delivery's values are profiled against every known format in one DuckDB scan. dd/mm vs mm/dd
is settled by evidence across the whole delivery (a first part above 12 can only be a day, a
second part above 12 only a day too), never guessed value by value; a delivery with no such
evidence is reported as ambiguous.
"""

import re
from dataclasses import dataclass
from functools import cache

import duckdb

from dq_pipelines.storage.identifiers import quote_identifier


@dataclass(frozen=True)
class DateFormat:
    name: str
    label: str
    regex: str
    parse: str  # DuckDB expression on {c}, NULL when the value does not parse

    def parse_sql(self, column: str) -> str:
        return self.parse.format(c=quote_identifier(column))


FORMATS: dict[str, DateFormat] = {
    f.name: f
    for f in (
        DateFormat(
            "dd/mm/yyyy", "dd/mm/yyyy dates", r"\d{2}/\d{2}/\d{4}", "try_strptime({c}, '%d/%m/%Y')"
        ),
        DateFormat(
            "mm/dd/yyyy", "mm/dd/yyyy dates", r"\d{2}/\d{2}/\d{4}", "try_strptime({c}, '%m/%d/%Y')"
        ),
        DateFormat(
            "yyyy-mm-dd",
            "ISO dates (yyyy-mm-dd)",
            r"\d{4}-\d{2}-\d{2}",
            "try_strptime({c}, '%Y-%m-%d')",
        ),
        DateFormat(
            "iso_timestamp",
            "ISO timestamps",
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}.*",
            "try_cast({c} as timestamp)",
        ),
        DateFormat(
            "epoch_s",
            "Unix epoch seconds",
            r"\d{9,10}",
            "make_timestamp(try_cast({c} as bigint) * 1000000)",
        ),
        DateFormat(
            "epoch_ms",
            "Unix epoch milliseconds",
            r"\d{12,13}",
            "make_timestamp(try_cast({c} as bigint) * 1000)",
        ),
    )
}


# strftime directives a pattern may use, with the text each matches (RE2). DuckDB parses
# numbers with or without their zero padding, and month and day names in any case.
_NUMBER = r"\d{1,2}"
_DIRECTIVES = (
    {
        "Y": r"\d{4}",
        "y": r"\d{2}",
        "m": _NUMBER,
        "d": _NUMBER,
        "H": _NUMBER,
        "I": _NUMBER,
        "M": _NUMBER,
        "S": _NUMBER,
        "j": r"\d{1,3}",
        "f": r"\d{1,6}",
        "g": r"\d{1,3}",
        "b": "[A-Za-z]{3}",
        "B": "[A-Za-z]+",
        "a": "[A-Za-z]{3}",
        "A": "[A-Za-z]+",
        "p": "[AaPp][Mm]",
    }
    | {f"-{d}": _NUMBER for d in "mdHIMS"}
    | {"-y": r"\d{1,2}", "-j": r"\d{1,3}", "%": "%"}
)
_DIRECTIVE = re.compile(r"%(-?.)")
# A date every supported directive can write: the round trip proves DuckDB can read it back.
_SAMPLE = "timestamp '2021-03-24 13:45:56.123456'"


class UnknownFormat(ValueError):
    """A format that is neither a known name nor a strftime pattern DuckDB can use."""


def _literal(text: str) -> str:
    # DuckDB lets one space in a pattern stand for any run of whitespace.
    return "".join(
        " +" if ch == " " else ch if ch.isascii() and ch.isalnum() else f"\\x{{{ord(ch):x}}}"
        for ch in text
    )


def _pattern_regex(pattern: str) -> str:
    parts, end = [], 0
    for m in _DIRECTIVE.finditer(pattern):
        if m.group(1) not in _DIRECTIVES:
            raise UnknownFormat(
                f"%{m.group(1)} in {pattern!r} is not a supported directive; "
                f"use {', '.join('%' + d for d in _DIRECTIVES)}"
            )
        parts += [_literal(pattern[end : m.start()]), _DIRECTIVES[m.group(1)]]
        end = m.end()
    if pattern.endswith("%") and end < len(pattern):
        raise UnknownFormat(f"{pattern!r} ends with a lone %")
    return "".join([*parts, _literal(pattern[end:])])


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


@cache
def date_format(name: str) -> DateFormat:
    """The format a contract names: a known one, or a strftime pattern (UnknownFormat if not)."""
    if name in FORMATS:
        return FORMATS[name]
    if "%" not in name:
        raise UnknownFormat(
            f"unknown format {name!r}; use one of {list(FORMATS)} or a strftime pattern "
            "such as '%Y/%m/%d'"
        )
    regex = _pattern_regex(name)
    if not {"Y", "y", "-y"} & set(_DIRECTIVE.findall(name)):
        raise UnknownFormat(f"{name!r} has no year (%Y or %y): DuckDB would read year 1900")
    escaped = _sql_text(name)
    with duckdb.connect(":memory:") as conn:
        try:
            (ok,) = conn.execute(
                f"select regexp_full_match(s, '{regex}') and try_strptime(s, '{escaped}') "
                f"is not null from (select strftime({_SAMPLE}, '{escaped}') as s)"
            ).fetchone()
        except duckdb.Error as e:
            raise UnknownFormat(f"DuckDB cannot use the pattern {name!r}: {e}") from e
    if not ok:
        raise UnknownFormat(f"DuckDB cannot read back what the pattern {name!r} writes")
    parse = "try_strptime({c}, '" + escaped.replace("{", "{{").replace("}", "}}") + "')"
    return DateFormat(name, f"'{name}' dates", regex, parse)


def parse_expression(column: str, formats: tuple[str, ...], type_: str) -> str:
    """SQL turning the text column into `type_` with the first accepted format that fits."""
    tries = ", ".join(
        f"case when regexp_full_match({quote_identifier(column)}, '{date_format(f).regex}') "
        f"then {date_format(f).parse_sql(column)} end"
        for f in formats
    )
    return f"coalesce({tries})::{type_}"


@dataclass(frozen=True)
class FormatProfile:
    values: int  # non-null values
    matches: dict[str, int]  # format name (known or accepted pattern) -> values it parses
    accepted_matches: int  # values parsed by at least one accepted format
    day_first_evidence: int  # dd/mm-shaped values whose first part is above 12
    month_first_evidence: int  # ... whose second part is above 12


def profile(
    conn: duckdb.DuckDBPyConnection, table: str, column: str, accepted: tuple[str, ...]
) -> FormatProfile:
    """Count, in one scan, the values each known format (and the accepted ones) can parse."""
    c = quote_identifier(column)
    candidates = {f.name: f for f in FORMATS.values()} | {f: date_format(f) for f in accepted}
    slash = f"regexp_full_match({c}, '{FORMATS['dd/mm/yyyy'].regex}')"
    first, second = (f"try_cast(split_part({c}, '/', {i}) as int)" for i in (1, 2))
    counts = [
        f"count(*) filter (where regexp_full_match({c}, '{f.regex}') "
        f"and {f.parse_sql(column)} is not null)"
        for f in candidates.values()
    ]
    row = conn.execute(
        f"""select count({c}), {", ".join(counts)},
                   count(*) filter (where {parse_expression(column, accepted, "timestamp")}
                                    is not null),
                   count(*) filter (where {slash} and {first} > 12),
                   count(*) filter (where {slash} and {second} > 12)
            from {table}"""
    ).fetchone()
    matches = dict(zip(candidates, row[1 : 1 + len(candidates)], strict=True))
    return FormatProfile(row[0], matches, row[-3], row[-2], row[-1])


@dataclass(frozen=True)
class Diagnosis:
    passed: bool
    dominant: str | None
    dominant_share: float
    accepted_share: float
    message: str


def diagnose(
    p: FormatProfile,
    where: str,
    accepted: tuple[str, ...],
    min_share: float,
    previous_matched: int,
) -> Diagnosis:
    """Say which format the delivery is in, and how that compares with the contract."""
    matches = dict(p.matches)
    ambiguous = ""
    if p.day_first_evidence and not p.month_first_evidence:
        matches["mm/dd/yyyy"] = 0
    elif p.month_first_evidence and not p.day_first_evidence:
        matches["dd/mm/yyyy"] = 0
    elif matches["dd/mm/yyyy"] and not (p.day_first_evidence or p.month_first_evidence):
        ambiguous = " (dd/mm vs mm/dd cannot be told apart in this delivery: no part above 12)"
    # No dominant format when no value is in any format we know: saying "0% look like X"
    # would name a format the delivery is not in.
    dominant = max(matches, key=lambda k: matches[k]) if any(matches.values()) else None
    share = matches[dominant] / p.values if dominant else 0.0
    accepted_share = p.accepted_matches / p.values if p.values else 1.0
    contract = " or ".join(accepted)
    if accepted_share >= min_share:
        message = f"{where}: {accepted_share:.0%} of values match the contract ({contract})"
        return Diagnosis(True, dominant, share, accepted_share, message + ambiguous)
    seen = (
        f"{share:.0%} of values look like {date_format(dominant).label}"
        if dominant
        else "no value is in a date format we know"
    )
    message = (
        f"{where}: {seen}; contract says {contract} "
        f"(previous {previous_matched} deliveries matched){ambiguous}"
    )
    return Diagnosis(False, dominant, share, accepted_share, message)
