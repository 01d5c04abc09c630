"""Suite regexes, as written for GX (Python `re`), run by DuckDB's RE2 in linear time.

Python's backtracking engine can take minutes on a pattern like `^(\\w+\\s?)*$` and a value
that almost matches (ReDoS), and nothing can interrupt it. RE2 cannot backtrack, so a step
running a suite's regex always finishes. The two dialects mostly share a syntax but not its
meaning: Python's `\\w`, `\\d`, `\\s` are Unicode-aware where RE2's are ASCII, and Python's `$`
also matches before a final newline. So a pattern is parsed by Python's own parser (the
meaning GX gives it) and written back out in RE2 syntax with the same meaning. What RE2 has no
equivalent for (lookarounds, backreferences, possessive repeats, Unicode `\\b`) is refused,
at load, rather than run with a different meaning.
"""

import re
from collections.abc import Mapping
from re import _constants as c  # the opcodes of Python's regex parser (stable since 3.11)
from re import _parser as sre

import duckdb

# Python's Unicode classes (str.isalnum, str.isdecimal, str.isspace), as RE2 class items.
_UNICODE = {
    c.CATEGORY_DIGIT: r"\p{Nd}",
    c.CATEGORY_WORD: r"\p{L}\p{N}_",
    c.CATEGORY_SPACE: r"\t\n\x0b\f\r\x1c-\x1f \x{85}\p{Z}",
}
_ASCII = {
    c.CATEGORY_DIGIT: "0-9",
    c.CATEGORY_WORD: "0-9A-Za-z_",
    c.CATEGORY_SPACE: r"\t\n\x0b\f\r ",
}
_NEGATED = {
    c.CATEGORY_NOT_DIGIT: c.CATEGORY_DIGIT,
    c.CATEGORY_NOT_WORD: c.CATEGORY_WORD,
    c.CATEGORY_NOT_SPACE: c.CATEGORY_SPACE,
}
_UNSUPPORTED = {
    c.ASSERT: "lookahead/lookbehind",
    c.ASSERT_NOT: "negative lookahead/lookbehind",
    c.GROUPREF: "backreference",
    c.GROUPREF_EXISTS: "conditional group",
    c.POSSESSIVE_REPEAT: "possessive repeat",
    c.ATOMIC_GROUP: "atomic group",
}


# The GX expectations whose kwargs hold patterns (`regex`, or `regex_list`).
REGEX_EXPECTATIONS = frozenset(
    {
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
        "expect_column_values_to_match_regex_list",
        "expect_column_values_to_not_match_regex_list",
    }
)


class UnsupportedRegex(ValueError):
    """A pattern that is not valid Python regex, or has no RE2 equivalent."""


def _char(code: int) -> str:
    ch = chr(code)
    return ch if ch.isascii() and ch.isalnum() else f"\\x{{{code:x}}}"


class _Writer:
    """Writes a parsed Python pattern back out as RE2, tracking the flags in scope."""

    def __init__(self, flags: int) -> None:
        self.flags = flags

    def _has(self, flag: int) -> bool:
        return bool(self.flags & flag)

    def _category(self, category) -> str:
        return (_ASCII if self._has(c.SRE_FLAG_ASCII) else _UNICODE)[category]

    def _set(self, items: list) -> str:
        negate = bool(items) and items[0][0] is c.NEGATE
        items = items[1:] if negate else items
        plain: list[str] = []
        complements: list[str] = []  # \W and \S: no RE2 class item is their complement
        for op, av in items:
            if op is c.LITERAL:
                plain.append(_char(av))
            elif op is c.RANGE:
                plain.append(f"{_char(av[0])}-{_char(av[1])}")
            elif op is not c.CATEGORY:
                raise UnsupportedRegex(f"no RE2 equivalent for {op} in a set")
            elif av is c.CATEGORY_NOT_DIGIT and not self._has(c.SRE_FLAG_ASCII):
                plain.append(r"\P{Nd}")
            elif av in _NEGATED:
                complements.append(self._category(_NEGATED[av]))
            else:
                plain.append(self._category(av))
        if not complements:
            return f"[{'^' if negate else ''}{''.join(plain)}]"
        if negate and plain:
            raise UnsupportedRegex("a negated set holding \\W or \\S has no RE2 equivalent")
        if negate:  # [^\W] is \w
            return f"[{''.join(complements)}]"
        parts = [f"[^{x}]" for x in complements] + ([f"[{''.join(plain)}]"] if plain else [])
        return "(?:" + "|".join(parts) + ")"

    def _at(self, where) -> str:
        multiline = self._has(c.SRE_FLAG_MULTILINE)
        if where is c.AT_BEGINNING:
            return "(?m:^)" if multiline else r"\A"
        if where is c.AT_END:  # Python's $ also matches before a final newline
            return "(?m:$)" if multiline else r"(?:\n?\z)"
        if where is c.AT_BEGINNING_STRING:
            return r"\A"
        if where is c.AT_END_STRING:
            return r"\z"
        if self._has(c.SRE_FLAG_ASCII):  # RE2's \b and \B are ASCII word boundaries
            return r"\b" if where is c.AT_BOUNDARY else r"\B"
        raise UnsupportedRegex(
            "\\b and \\B are Unicode word boundaries in Python but ASCII ones in RE2; "
            "write (?a) before the pattern to ask for ASCII boundaries"
        )

    def _group(self, av) -> str:
        _group, add, remove, body = av
        saved = self.flags
        self.flags = (self.flags | add) & ~remove
        try:
            inner = self.write(body)
        finally:
            self.flags = saved
        on = "i" if add & c.SRE_FLAG_IGNORECASE else ""
        off = "-i" if remove & c.SRE_FLAG_IGNORECASE else ""
        return f"(?{on}{off}:{inner})"

    def _repeat(self, op, av) -> str:
        low, high, body = av
        count = f"{{{low},}}" if high is c.MAXREPEAT else f"{{{low},{high}}}"
        return f"(?:{self.write(body)}){count}{'?' if op is c.MIN_REPEAT else ''}"

    def write(self, parsed) -> str:
        out = []
        for op, av in parsed:
            if op in _UNSUPPORTED:
                raise UnsupportedRegex(f"RE2 has no {_UNSUPPORTED[op]}")
            if op is c.LITERAL:
                out.append(_char(av))
            elif op is c.NOT_LITERAL:
                out.append(f"[^{_char(av)}]")
            elif op is c.ANY:
                out.append(r"(?s:.)" if self._has(c.SRE_FLAG_DOTALL) else r"[^\n]")
            elif op is c.IN:
                out.append(self._set(av))
            elif op is c.AT:
                out.append(self._at(av))
            elif op is c.BRANCH:
                out.append("(?:" + "|".join(self.write(alt) for alt in av[1]) + ")")
            elif op is c.SUBPATTERN:
                out.append(self._group(av))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
                out.append(self._repeat(op, av))
            else:
                raise UnsupportedRegex(f"no RE2 equivalent for {op}")
        return "".join(out)


def to_re2(pattern: str) -> str:
    """The RE2 pattern matching exactly what Python's `re.search(pattern, value)` matches."""
    if not isinstance(pattern, str):
        raise UnsupportedRegex(f"a regex must be a string, not {type(pattern).__name__}")
    try:
        parsed = sre.parse(pattern)
    except re.error as e:
        raise UnsupportedRegex(f"invalid regex {pattern!r}: {e}") from e
    flags = parsed.state.flags
    if flags & c.SRE_FLAG_LOCALE:
        raise UnsupportedRegex("locale-dependent regexes have no RE2 equivalent")
    prefix = "(?i)" if flags & c.SRE_FLAG_IGNORECASE else ""
    try:
        return prefix + _Writer(flags).write(parsed)
    except UnsupportedRegex as e:
        raise UnsupportedRegex(f"{pattern!r}: {e}") from e


def check_regex(pattern: str) -> str:
    """`to_re2`, and proof that DuckDB's RE2 compiles the result (e.g. repeat counts > 1000)."""
    translated = to_re2(pattern)
    with duckdb.connect(":memory:") as conn:
        try:
            conn.execute("select regexp_matches('', ?)", [translated]).fetchall()
        except duckdb.Error as e:
            raise UnsupportedRegex(f"{pattern!r}: DuckDB's RE2 cannot run it: {e}") from e
    return translated


def check_regex_kwargs(kwargs: Mapping[str, object], column_type: str | None) -> None:
    """What a regex expectation needs to run in DuckDB, checked at load (UnsupportedRegex)."""
    if kwargs.get("row_condition"):
        raise UnsupportedRegex("row_condition is not supported on regex expectations")
    if column_type is not None and column_type != "VARCHAR":
        raise UnsupportedRegex(f"regexes need a text (VARCHAR) column, not {column_type}")
    patterns = kwargs["regex_list"] if "regex_list" in kwargs else [kwargs.get("regex")]
    if not isinstance(patterns, list) or not patterns:
        raise UnsupportedRegex("regex_list must be a non-empty list of patterns")
    for pattern in patterns:
        check_regex(pattern)  # type: ignore[arg-type] # to_re2 refuses non-strings
