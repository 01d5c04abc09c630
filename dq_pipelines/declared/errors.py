"""Errors raised while loading the project's declarative files, naming the file at fault."""

from pathlib import Path


class DefinitionFileError(ValueError):
    """A contract, suite or SQL model file is malformed or inconsistent with the rest."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")
