"""Declared privacy transformations applied to a training frame before training.

`apply_transforms(df, {"email": "hash", "postcode": {"transform": "truncate", "length": 3},
"age": {"transform": "bucket", "width": 10}, "phone": "drop"}, salt=...)` returns a new frame.

- `hash`: HMAC-SHA256 of the value's text under a secret salt, as 64 hex characters. The same
  value gives the same pseudonym (joins and counts still work), and without the salt nobody can
  confirm a guess by hashing it, which a plain SHA-256 of an e-mail address would allow.
- `truncate`: the first `length` characters of the value's text (a postcode to its district).
- `bucket`: a number to the half-open range of `width` it falls in, as text: 37 -> `[30, 40)`.
- `drop`: the column removed.

Nulls stay null under every transform (a hashed null would make all unknowns one pseudonym).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

TRANSFORMS = ("hash", "truncate", "bucket", "drop")
_PARAMETERS = {"hash": (), "truncate": ("length",), "bucket": ("width",), "drop": ()}


def apply_transforms(
    df: pd.DataFrame,
    specs: Mapping[str, str | Mapping[str, Any]],
    *,
    salt: bytes | str | None = None,
) -> pd.DataFrame:
    """A copy of `df` with each column of `specs` transformed; `df` itself is left unchanged.

    A spec is a transform name or a mapping with `transform` and its parameter (`length` for
    truncate, `width` for bucket). Every spec is checked before any column is touched, so a
    mistake in the last one raises ValueError without doing half the work.
    """
    parsed = {column: _parse(column, spec) for column, spec in specs.items()}
    missing = [c for c in parsed if c not in df.columns]
    if missing:
        raise ValueError(f"transforms name columns not in the frame: {missing}")
    if any(name == "hash" for name, _ in parsed.values()):
        _check_salt(salt)
    out = df.copy()
    for column, (name, value) in parsed.items():
        if name == "drop":
            out = out.drop(columns=[column])
        elif name == "hash":
            out[column] = hash_values(out[column], salt)  # type: ignore[arg-type]
        elif name == "truncate":
            out[column] = truncate_values(out[column], value)
        else:
            out[column] = bucket_values(out[column], value, column=column)
    return out


def _parse(column: str, spec: str | Mapping[str, Any]) -> tuple[str, Any]:
    if isinstance(spec, str):
        spec = {"transform": spec}
    if not isinstance(spec, Mapping) or "transform" not in spec:
        raise ValueError(f"{column}: a transform spec is a name or a mapping with 'transform'")
    name = spec["transform"]
    if name not in TRANSFORMS:
        raise ValueError(f"{column}: unknown transform {name!r}; known: {list(TRANSFORMS)}")
    expected = {"transform", *_PARAMETERS[name]}
    if set(spec) != expected:
        raise ValueError(
            f"{column}: transform {name!r} takes {sorted(expected - {'transform'}) or 'nothing'}, "
            f"got {sorted(set(spec) - {'transform'})}"
        )
    value = spec.get(_PARAMETERS[name][0]) if _PARAMETERS[name] else None
    if name == "truncate" and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{column}: truncate length must be a whole number >= 1, got {value!r}")
    if name == "bucket" and not _positive_number(value):
        raise ValueError(f"{column}: bucket width must be a number > 0, got {value!r}")
    return name, value


def _positive_number(value: Any) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and math.isfinite(value) and value > 0


def _check_salt(salt: bytes | str | None) -> bytes:
    key = salt.encode() if isinstance(salt, str) else salt
    if not isinstance(key, bytes) or not key.strip():
        raise ValueError(
            "the hash transform needs a non-empty secret salt (bytes or text); an empty salt "
            "would make the pseudonyms reversible by hashing guesses"
        )
    return key


def hash_values(values: pd.Series, salt: bytes | str) -> pd.Series:
    """HMAC-SHA256 (key: the salt) of each value's text, as hex; nulls stay null."""
    key = _check_salt(salt)

    def digest(value: Any) -> str:
        return hmac.new(key, str(value).encode(), hashlib.sha256).hexdigest()

    return values.map(digest, na_action="ignore").astype(object)


def truncate_values(values: pd.Series, length: int) -> pd.Series:
    """The first `length` characters of each value's text; nulls stay null."""
    return values.map(lambda v: str(v)[:length], na_action="ignore").astype(object)


def bucket_values(values: pd.Series, width: float, *, column: str = "") -> pd.Series:
    """Each number as the range of `width` holding it (`[30, 40)`); nulls stay null."""
    numbers = pd.to_numeric(values, errors="coerce")
    bad = values[numbers.isna() & values.notna()]
    if not bad.empty:
        raise ValueError(f"{column or 'bucket'}: bucket needs numbers, got {bad.iloc[0]!r}")
    lows = (numbers // width) * width
    return pd.Series(
        [None if pd.isna(lo) else f"[{lo:g}, {lo + width:g})" for lo in lows],
        index=values.index,
        dtype=object,
    )
