"""Pydantic's validation errors, said for the person who wrote the file.

Each problem names its key path as written in the file (`columns.price.requird`) and, for an
unknown key or value, the closest valid one ("did you mean `required`?"), never a model's class.
"""

import difflib
import re
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from dq_pipelines.declared.errors import DefinitionFileError

ModelT = TypeVar("ModelT", bound=BaseModel)


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model that validates what sits at `loc` (a mapping's values: skip their key; a
    union told apart by a `kind` tag: the member the tag in `loc` names)."""
    current: type[BaseModel] | None = root
    skip_key, members = False, None
    for part in loc:
        if skip_key:
            skip_key = False
            continue
        if members is not None:  # pydantic puts the tag of a discriminated union in loc
            current, members = members.get(str(part)), None
            if current is None:
                return None
            continue
        field = current.model_fields.get(str(part)) if current else None
        annotation = field.annotation if field else None
        if get_origin(annotation) is dict:
            annotation, skip_key = get_args(annotation)[1], True
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            current = annotation
        elif tagged := _tagged_members(annotation):
            members = tagged
        else:
            return None
    return None if skip_key or members is not None else current


def _tagged_members(annotation: Any) -> dict[str, type[BaseModel]]:
    """The members of a union of models with a literal `kind`, by their kind."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    found = {}
    for member in get_args(annotation):
        kind = getattr(member, "model_fields", {}).get("kind")
        if kind is not None and get_args(kind.annotation):
            found[str(get_args(kind.annotation)[0])] = member
    return found


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


def read_model(path: Path, root: type[ModelT], what: str) -> ModelT:
    """A YAML definition file parsed through its pydantic model; every problem (not YAML, not
    a mapping, a key or value pydantic refuses) is a DefinitionFileError naming the file.
    `what` says what the file must be, e.g. "a contract must be a YAML mapping"."""
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        raise DefinitionFileError(path, f"not valid YAML: {e}") from e
    if not isinstance(raw, dict):
        raise DefinitionFileError(path, what)
    try:
        return root.model_validate(raw)
    except ValidationError as e:
        raise definition_error(path, root, e) from e


def definition_error(
    path: Path, root: type[BaseModel], error: ValidationError
) -> DefinitionFileError:
    """One DefinitionFileError naming the file and every problem pydantic found in it."""
    problems = [_problem(root, e) for e in error.errors()]
    return DefinitionFileError(path, "; ".join(problems))
