"""Privacy of a training set: direct identifiers, declared or found by pattern.

`find_identifiers(df, declared=...)` reports the declared identifier columns still present and,
in every text column, the rows holding an e-mail address, a phone number or a card-like number.
The patterns are written to leave product data alone, at the price of missing some identifiers:

- e-mail: `local@domain.tld` (bounded parts, so a long cell cannot make the search backtrack).
- phone: international (`+` or `00`, then 8-15 digits in groups: `+44 20 7946 0958`,
  `0033 6 12 34 56 78`; after `00` at least one separator), North American (`(415) 555-2671`,
  `415-555-2671`: area code and exchange starting 2-9, separators matching) or national with a
  trunk 0 and at least one separator (`020 7946 0958`, `06 12 34 56 78`, `030-1234567`: 9-11
  digits). NOT flagged: an unbroken digit run without `+` (indistinguishable from a product
  number or EAN), dates and times, prices, and any number right after `SKU`, `ref`, `model`,
  `part`, `item`, `art`, `id` or `#` (`Item no. ...` too).
- card: 13-19 digits, optionally in groups split by one space or dash, first digit 2-6 (the
  card networks' ranges), Luhn-valid, and when grouped, in the groups cards are printed in
  (fours, or 4-6-5 / 4-6-4: `4111 1111 1111 1111`, not a list of prices). An unbroken 13-digit
  run that is a valid EAN-13 barcode is not flagged (catalog feeds are full of them; 13-digit
  card numbers are legacy).

A match is shown masked (`j***@e***.com`, `+** ** **** **58`, `**** **** **** 1111`), never raw.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import pandas as pd

EMAIL = "email"
PHONE = "phone"
CARD = "card"
KINDS = (EMAIL, PHONE, CARD)

_SUSPECT_RE = re.compile(r"@|\d[\d ().-]{6,}\d")
_EMAIL_RE = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![\w-])"
)
# Candidates only: a digit run with phone punctuation, judged by _is_phone in Python.
_PHONE_CANDIDATE_RE = re.compile(r"(?<![\w+.,/:-])(?:\+|\()?\d[\d ().-]{6,22}\d(?![\w,/:-]|\.\d)")
# Separators are required between digit runs in all three, so no pattern can backtrack.
_INTERNATIONAL_RE = re.compile(r"(?:\+|00)[1-9]\d*(?:(?:[ .-]|[ .-]?\(|\)[ .-]?)\d+)*")
_NANP_RE = re.compile(r"\([2-9]\d\d\) ?[2-9]\d\d[-. ]\d{4}|[2-9]\d\d([-.])[2-9]\d\d\1\d{4}")
_NATIONAL_RE = re.compile(r"(?:0\d{1,4}|\(0\d{1,4}\))(?:[ .-]\d{2,8}){1,4}")
_CARD_CANDIDATE_RE = re.compile(r"(?<![\w.,/+-])\d(?:[ -]?\d){12,18}(?![\w/:-]|[.,]\d)")
# Card numbers written in groups: fours (the last group shorter), or 4-6-5 / 4-6-4.
_CARD_GROUPS_RE = re.compile(r"\d{4}([ -])\d{4}(?:\1\d{4}){0,2}\1\d{1,4}|\d{4}([ -])\d{6}\2\d{4,5}")
_PRODUCT_CONTEXT_RE = re.compile(
    r"(?i)(?:\b(?:sku|ref|model|part|item|art|id)|#)(?:\W{0,3}(?:no|nr|number)\b)?\W{0,3}$"
)


@dataclass(frozen=True)
class IdentifierMatch:
    """Rows of one column holding one kind of identifier, with one masked example."""

    column: str
    kind: str
    rows: int
    share: float
    example: str


@dataclass(frozen=True)
class IdentifierReport:
    """Declared identifier columns present and identifiers found by pattern."""

    rows: int
    declared_present: tuple[str, ...]
    matches: tuple[IdentifierMatch, ...]
    scanned_columns: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.declared_present and not self.matches

    @property
    def failing_columns(self) -> tuple[str, ...]:
        found = [*self.declared_present, *(m.column for m in self.matches)]
        return tuple(dict.fromkeys(found))

    def summary(self) -> str:
        if self.passed:
            return (
                f"no direct identifier in {self.rows} rows "
                f"({len(self.scanned_columns)} text columns scanned)"
            )
        parts = [f"declared identifier column {c!r} present" for c in self.declared_present]
        parts += [
            f"{m.column}: {m.kind} in {m.rows} rows ({m.share:.1%}), e.g. {m.example}"
            for m in self.matches
        ]
        return f"direct identifiers in the training set: {'; '.join(parts)}"

    def metadata(self) -> dict[str, float | int | str | list[str]]:
        meta: dict[str, float | int | str | list[str]] = {
            "rows": self.rows,
            "declared_present": list(self.declared_present),
            "failing_columns": list(self.failing_columns),
        }
        for m in self.matches:
            meta[f"{m.column}.{m.kind}_rows"] = m.rows
            meta[f"{m.column}.{m.kind}_share"] = m.share
            meta[f"{m.column}.{m.kind}_example"] = m.example
        return meta


def find_identifiers(
    df: pd.DataFrame,
    *,
    declared: Collection[str] = (),
    pseudonymised: Collection[str] = (),
    kinds: Sequence[str] = KINDS,
) -> IdentifierReport:
    """Declared identifier columns in `df` and pattern matches in its text columns.

    `pseudonymised` names declared identifier columns replaced by a keyed hash (allowed to stay;
    they are still scanned, so a transform that did not run is caught by its patterns).
    """
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise ValueError(f"unknown identifier kinds {bad}; known: {list(KINDS)}")
    present = tuple(str(c) for c in df.columns if c in declared and c not in pseudonymised)
    text_columns = [c for c in df.columns if _is_text(df[c])]
    matches = []
    for column in text_columns:
        # Each distinct text is searched once, and only if it holds an "@" or a run of digits.
        counts = df[column].dropna().astype(str).value_counts(sort=False)
        suspects = {
            text: int(rows)
            for text, rows in zip(counts.index, counts.to_numpy(), strict=True)
            if _SUSPECT_RE.search(text)
        }
        for kind in kinds:
            match = _scan(suspects, _FINDERS[kind])
            if match is not None:
                rows, example = match
                share = rows / len(df)
                matches.append(IdentifierMatch(str(column), kind, rows, share, example))
    return IdentifierReport(
        rows=len(df),
        declared_present=present,
        matches=tuple(matches),
        scanned_columns=tuple(str(c) for c in text_columns),
    )


def _is_text(values: pd.Series) -> bool:
    return values.dtype == object or pd.api.types.is_string_dtype(values)


def _scan(suspects: dict[str, int], finder: Callable[[str], str | None]) -> tuple[int, str] | None:
    rows, example = 0, None
    for text, count in suspects.items():
        masked = finder(text)
        if masked is not None:
            rows += count
            example = example or masked
    return None if example is None else (rows, example)


def find_email(text: str) -> str | None:
    """The first e-mail address in `text`, masked, or None."""
    if "@" not in text:
        return None
    match = _EMAIL_RE.search(text)
    return None if match is None else mask_email(match.group())


def find_phone(text: str) -> str | None:
    """The first phone number in `text` (see the module docstring), masked, or None."""
    for match in _PHONE_CANDIDATE_RE.finditer(text):
        candidate = match.group()
        # The context pattern spans at most 17 characters: 24 before the number are enough.
        before = text[max(0, match.start() - 24) : match.start()]
        if _is_phone(candidate) and not _PRODUCT_CONTEXT_RE.search(before):
            return mask_digits(candidate, keep_last=2)
    return None


def find_card(text: str) -> str | None:
    """The first card-like number in `text` (see the module docstring), masked, or None."""
    for match in _CARD_CANDIDATE_RE.finditer(text):
        candidate = match.group()
        digits = re.sub(r"\D", "", candidate)
        if digits[0] not in "23456" or not luhn_valid(digits):
            continue
        if candidate == digits:
            if len(digits) == 13 and ean13_valid(digits):
                continue
        elif not _CARD_GROUPS_RE.fullmatch(candidate):
            continue
        return mask_digits(candidate, keep_last=4)
    return None


_FINDERS: dict[str, Callable[[str], str | None]] = {
    EMAIL: find_email,
    PHONE: find_phone,
    CARD: find_card,
}


def _is_phone(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    if candidate.startswith("+") and _INTERNATIONAL_RE.fullmatch(candidate):
        return 8 <= len(digits) <= 15
    # Written with 00, an unbroken run is as likely an order number padded with zeros.
    if candidate.startswith("00") and _INTERNATIONAL_RE.fullmatch(candidate):
        return candidate != digits and 8 <= len(digits) - 2 <= 15
    if _NANP_RE.fullmatch(candidate):
        return True
    return bool(_NATIONAL_RE.fullmatch(candidate)) and 9 <= len(digits) <= 11


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def ean13_valid(digits: str) -> bool:
    """The EAN-13 barcode check digit (weights 1 and 3 alternating)."""
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return (10 - weighted % 10) % 10 == int(digits[12])


def mask_email(address: str) -> str:
    """`jane.doe@example.com` -> `j***@e***.com`: first letters and the top-level domain."""
    local, _, domain = address.partition("@")
    host, _, tld = domain.rpartition(".")
    return f"{local[:1]}***@{host[:1]}***.{tld}"


def mask_digits(text: str, keep_last: int) -> str:
    """Every digit but the last `keep_last` replaced by `*`; separators and `+` kept."""
    total = sum(c.isdigit() for c in text)
    out, seen = [], 0
    for char in text:
        if char.isdigit():
            seen += 1
            out.append(char if seen > total - keep_last else "*")
        else:
            out.append(char)
    return "".join(out)
