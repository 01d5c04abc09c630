"""Pydantic's validation errors, said for the person who wrote the file.

Each problem names its key path as written in the file (`columns.price.requird`) and, for an
unknown key or value, the closest valid one ("did you mean `required`?"), never a model's class.
"""

import difflib
import re
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from dq_pipelines.declared.errors import DefinitionFileError


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model that validates what sits at `loc` (a mapping's values: skip their key)."""
    current, skip_key = root, False
    for part in loc:
        if skip_key:
            skip_key = False
            continue
        field = current.model_fields.get(str(part))
        annotation = field.annotation if field else None
        args = get_args(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            current = annotation
        elif get_origin(annotation) is dict and issubclass(args[1], BaseModel):
            current, skip_key = args[1], True
        else:
            return None
    return None if skip_key else current


def _path(loc: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def _did_you_mean(word: object, valid: list[str]) -> str:
    close = difflib.get_close_matches(str(word), valid, n=1)
    return f"; did you mean `{close[0]}`?" if close else ""


def _problem(root: type[BaseModel], error: Any) -> str:
    loc, kind = tuple(error["loc"]), error["type"]
    where = _path(loc)
    if kind == "extra_forbidden":
        model = _model_at(root, loc[:-1])
        valid = list(model.model_fields) if model else []
        hint = _did_you_mean(loc[-1], valid) or f"; valid keys: {', '.join(valid)}"
        return f"{where}: unknown key{hint}"
    if kind == "missing":
        parent = _path(loc[:-1])
        return f"missing required key '{loc[-1]}'" + (f" in {parent}" if parent else "")
    if kind == "literal_error":
        valid = re.findall(r"'([^']*)'", error["ctx"]["expected"])
        hint = _did_you_mean(error["input"], valid)
        return f"{where}: {error['input']!r} is not one of {valid}{hint}"
    if kind in ("model_type", "dict_type"):
        return f"{where}: must be a mapping of keys to values, not {error['input']!r}"
    message = error["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def definition_error(
    path: Path, root: type[BaseModel], error: ValidationError
) -> DefinitionFileError:
    """One DefinitionFileError naming the file and every problem pydantic found in it."""
    problems = [_problem(root, e) for e in error.errors()]
    return DefinitionFileError(path, "; ".join(problems))
