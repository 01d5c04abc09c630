"""Date formats a contract can declare, and the diagnosis of a delivery whose format changed.

A delivery's values are profiled against every known format in one DuckDB scan. dd/mm vs mm/dd
is settled by evidence across the whole delivery (a first part above 12 can only be a day, a
second part above 12 only a day too), never guessed value by value; a delivery with no such
evidence is reported as ambiguous.
"""

from dataclasses import dataclass

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


def parse_expression(column: str, formats: tuple[str, ...], type_: str) -> str:
    """SQL turning the text column into `type_` with the first accepted format that fits."""
    tries = ", ".join(
        f"case when regexp_full_match({quote_identifier(column)}, '{FORMATS[f].regex}') "
        f"then {FORMATS[f].parse_sql(column)} end"
        for f in formats
    )
    return f"coalesce({tries})::{type_}"


@dataclass(frozen=True)
class FormatProfile:
    values: int  # non-null values
    matches: dict[str, int]  # format name -> values it parses
    accepted_matches: int  # values parsed by at least one accepted format
    day_first_evidence: int  # dd/mm-shaped values whose first part is above 12
    month_first_evidence: int  # ... whose second part is above 12


def profile(
    conn: duckdb.DuckDBPyConnection, table: str, column: str, accepted: tuple[str, ...]
) -> FormatProfile:
    """Count, in one scan, the values each known format (and the accepted ones) can parse."""
    c = quote_identifier(column)
    slash = f"regexp_full_match({c}, '{FORMATS['dd/mm/yyyy'].regex}')"
    first, second = (f"try_cast(split_part({c}, '/', {i}) as int)" for i in (1, 2))
    counts = [
        f"count(*) filter (where regexp_full_match({c}, '{f.regex}') "
        f"and {f.parse_sql(column)} is not null)"
        for f in FORMATS.values()
    ]
    row = conn.execute(
        f"""select count({c}), {", ".join(counts)},
                   count(*) filter (where {parse_expression(column, accepted, "timestamp")}
                                    is not null),
                   count(*) filter (where {slash} and {first} > 12),
                   count(*) filter (where {slash} and {second} > 12)
            from {table}"""
    ).fetchone()
    matches = dict(zip(FORMATS, row[1 : 1 + len(FORMATS)], strict=True))
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
    dominant = max(matches, key=lambda k: matches[k]) if p.values else None
    share = matches[dominant] / p.values if dominant else 0.0
    accepted_share = p.accepted_matches / p.values if p.values else 1.0
    contract = " or ".join(accepted)
    if accepted_share >= min_share:
        message = f"{where}: {accepted_share:.0%} of values match the contract ({contract})"
        return Diagnosis(True, dominant, share, accepted_share, message + ambiguous)
    seen = FORMATS[dominant].label if dominant and share else "no known date format"
    message = (
        f"{where}: {share:.0%} of values look like {seen}; contract says {contract} "
        f"(previous {previous_matched} deliveries matched){ambiguous}"
    )
    return Diagnosis(False, dominant, share, accepted_share, message)
