"""The promotion rules file: per model, the metrics a challenger may not lose against the
champion, each with its tolerance (`dq_pipelines/defs/evaluate/promotion.yaml`)."""

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, RootModel

from dq_pipelines import layout
from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.declared.schema_errors import read_model


class PromotionRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tolerances: dict[str, float] = Field(
        description="Metric name -> the largest drop from the champion's value still accepted."
    )


class PromotionFile(RootModel[dict[str, PromotionRule]]):
    """Model asset -> its rule."""


def load_promotion_rules(path: Path) -> dict[str, PromotionRule]:
    what = "a promotion file must be a YAML mapping of model asset -> {tolerances: {...}}"
    rules = read_model(path, PromotionFile, what).root
    for model, rule in rules.items():
        negative = [m for m, t in rule.tolerances.items() if t < 0]
        if negative:
            raise DefinitionFileError(path, f"{model}.tolerances: {negative} must be >= 0")
    return rules


@cache
def promotion_rules() -> dict[str, PromotionRule]:
    """The project's own rules file (cached: it is code, read once per process)."""
    return load_promotion_rules(layout.PROMOTION_RULES)
