"""Command-line arguments checked before anything heavy is imported.

Dagster and Great Expectations take seconds to import; a misspelt source or date must be refused
at once. So source names come from a plain YAML read of the contract files (the full contract
schema is checked later, when the project loads), and nothing here imports dagster.
"""

from pathlib import Path

import click
import yaml

from dq_pipelines import layout

DATE = click.DateTime(["%Y-%m-%d"])
# The sources `generate` writes sample deliveries of (here, not in sample_vocabulary.py, which
# imports numpy: `--late` lists them before any import).
SAMPLE_SOURCES: tuple[str, ...] = ("catalog", "labels", "feedback", "inference_requests")


def source_names(contracts_dir: Path = layout.CONTRACTS_DIR) -> tuple[str, ...]:
    """The sources the contract files declare, sorted: each file's `name`, else its stem."""
    names = []
    for path in sorted(contracts_dir.glob("*.yaml")):
        try:
            declared = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            declared = None  # the project load names the broken file; here its stem will do
        name = declared.get("name") if isinstance(declared, dict) else None
        names.append(str(name) if name else path.stem)
    return tuple(sorted(names))


class SourceName(click.ParamType):
    """A source some contract declares; an unknown one is refused with the known ones."""

    name = "source"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None):
        known = source_names()
        if value in known:
            return value
        self.fail(f"unknown source '{value}'; known: {', '.join(known)}", param, ctx)


SOURCE = SourceName()
