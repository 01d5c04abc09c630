"""The schema of an ML-check file: each kind of check, its options, their defaults and meaning.

An ML-check file, `dq_pipelines/defs/validate/ml_checks/<asset>.yaml`, declares the checks that
judge an asset as training data (labels, annotators, drift, train/serve skew, privacy) or as
search feedback (CTR drop, position bias), beside its GX suite: `checks:` maps each check's name
to its `kind` and options. Parsed through these pydantic models (declared/ml_checks.py), so an
unknown key, kind or value fails at load naming the file and the key. The field descriptions
are the reference the README's table is tested against.
"""

from typing import Annotated, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from dq_pipelines.declared.contract_schema import Severity

Share = Annotated[float, Field(ge=0.0, le=1.0)]


def _none_is_empty(value: object) -> object:
    return {} if value is None else value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Check(_Model):
    severity: Severity = Field(
        default="ERROR",
        description="ERROR blocks training when the check fails on an asset that feeds it; "
        "WARN informs.",
    )
    note: str = Field(default="", description="Why the check exists, shown beside its result.")

    @property
    def declared_severity(self) -> str:
        """The most severe result the check can report (what its blocking flag follows)."""
        return self.severity


class MissingLabelsCheck(_Check):
    """Few items lack a label, overall and in each group (e.g. each vendor category)."""

    kind: Literal["missing_labels"]
    label_column: str = Field(default="label", description="The label column.")
    group_column: str | None = Field(
        default=None, description="Column whose groups are judged one by one (a class proxy)."
    )
    max_share: Share = Field(default=0.02, description="Most items without a label, overall.")
    max_group_share: Share = Field(
        default=0.2, description="Most items without a label in any one group."
    )


class LabelAuditCheck(_Check):
    """Few labels look wrong to confident learning on a proxy model's out-of-sample guesses."""

    kind: Literal["label_audit"]
    severity: Severity = Field(
        default="WARN",
        description="Severity when the estimated error rate is above warn_above_rate "
        "(error_above_rate raises it to ERROR).",
    )
    id_column: str = Field(description="Identifies an item in the review queue.")
    label_column: str = Field(default="label", description="The given label.")
    text_columns: tuple[str, ...] = Field(
        default=(), description="Text features of the proxy model (TF-IDF)."
    )
    numeric_columns: tuple[str, ...] = Field(
        default=(), description="Numeric features of the proxy model."
    )
    folds: int = Field(default=5, ge=2, le=20, description="Cross-validation folds.")
    warn_above_rate: Share = Field(
        default=0.02, description="Estimated label-error rate above which the check fails."
    )
    error_above_rate: Share | None = Field(
        default=None, description="Estimated label-error rate above which it fails at ERROR."
    )
    top: int = Field(default=10, ge=1, le=100, description="Suspicious items in the result.")

    @property
    def declared_severity(self) -> str:
        return "ERROR" if self.error_above_rate is not None else self.severity

    @model_validator(mode="after")
    def _has_features(self) -> "LabelAuditCheck":
        if not self.text_columns and not self.numeric_columns:
            raise ValueError("a label_audit needs text_columns or numeric_columns")
        return self


class AnnotatorAgreementCheck(_Check):
    """Annotators agree beyond chance, overall and each one against the others."""

    kind: Literal["annotator_agreement"]
    item_column: str = Field(default="item_id", description="The labelled item.")
    annotator_column: str = Field(default="annotator_id", description="Who labelled it.")
    label_column: str = Field(default="label", description="The label given.")
    min_alpha: Share = Field(
        default=0.6, description="Lowest Krippendorff's alpha (nominal) over the delivery."
    )
    min_annotator_agreement: Share = Field(
        default=0.7,
        description="Lowest share of an annotator's items on which they agree with the "
        "majority of the other annotators.",
    )
    min_items: int = Field(
        default=20, ge=1, description="Annotators with fewer items are reported, not judged."
    )
    ties: Literal["first_alphabetical", "drop"] = Field(
        default="first_alphabetical",
        description="How a tied majority vote is resolved (the count of ties is reported).",
    )


class DriftColumn(_Model):
    kind: Literal["numeric", "categorical", "text"] | None = Field(
        default=None, description="Override the kind inferred from the column's type."
    )
    threshold: float | None = Field(default=None, description="Override the drift threshold.")


class DriftCheck(_Check):
    """Feature distributions match the champion model's training set and the previous batch."""

    kind: Literal["drift"]
    severity: Severity = Field(default="WARN", description="WARN informs; ERROR blocks.")
    against: tuple[Literal["champion", "previous"], ...] = Field(
        default=("champion", "previous"),
        description="champion: the training set of the model in service; previous: the "
        "version published before this one.",
    )
    columns: Annotated[dict[str, DriftColumn], BeforeValidator(_none_is_empty)] = Field(
        default_factory=dict, description="Per-column kind and threshold overrides."
    )
    ignore: tuple[str, ...] = Field(default=(), description="Columns never compared (ids).")
    max_drifted_share: Share = Field(
        default=0.0, description="The check fails when a larger share of columns drifted."
    )
    retrain_above_share: Share | None = Field(
        default=None,
        description="Share of drifted columns (against the champion) at which the retrain "
        "sensor requests training, if the new data passed its blocking checks.",
    )


class ServingSkewCheck(_Check):
    """Serving gets each trained-on feature: not missing, constant, retyped or much shorter."""

    kind: Literal["serving_skew"]
    training_asset: str = Field(
        default="training_set", description="The published table the model was trained on."
    )
    features: tuple[str, ...] = Field(description="The model's input features.")
    thresholds: Annotated[dict[str, dict[str, float]], BeforeValidator(_none_is_empty)] = Field(
        default_factory=dict, description="Per-feature threshold overrides."
    )


class NoIdentifiersCheck(_Check):
    """No direct identifier reaches the asset: declared ones, or found by pattern in text."""

    kind: Literal["no_identifiers"]
    scan_columns: tuple[str, ...] = Field(
        default=(), description="Text columns scanned for e-mails, phone and card numbers."
    )
    max_share: Share = Field(
        default=0.0, description="Largest share of rows of a column allowed to match."
    )


class KAnonymityCheck(_Check):
    """Each combination of quasi-identifiers (the contracts' or those listed) has k or more rows."""

    kind: Literal["k_anonymity"]
    k: int = Field(default=5, ge=2, description="Smallest group size allowed.")
    quasi_identifiers: tuple[str, ...] = Field(
        default=(),
        description="Columns of the asset; default: those whose source column the contract "
        "classifies as quasi_identifier.",
    )


class _FeedbackCheck(_Check):
    """Columns of a search-feedback table: one row per impression (contracts/feedback.yaml)."""

    severity: Severity = Field(default="WARN", description="WARN informs; ERROR blocks.")
    rank_column: str = Field(default="rank", description="The result's position, 1 first.")
    clicked_column: str = Field(default="clicked", description="1 if the result was clicked.")
    thumbs_column: str = Field(default="thumbs", description="'up', 'down' or empty.")
    time_column: str = Field(default="event_at", description="When the impression was shown.")
    version_column: str | None = Field(
        default=None,
        description="The model version that served the impression; figures per version when set.",
    )


class CtrDropCheck(_FeedbackCheck):
    """Click-through rate of the latest days against a baseline window, judged with its sample
    size, so a drop seen on a handful of impressions does not alarm."""

    kind: Literal["ctr_drop"]
    relative_drop: float = Field(
        default=0.2, gt=0.0, lt=1.0, description="Largest relative fall of the CTR allowed."
    )
    current_days: int = Field(
        default=1, ge=1, le=90, description="Days judged: the latest days with impressions."
    )
    baseline_days: int = Field(
        default=7, ge=1, le=365, description="Days before the current window it is compared with."
    )
    min_impressions: int = Field(
        default=1000, ge=1, description="Fewer impressions in either window: not judged."
    )
    alpha: float = Field(
        default=0.01, gt=0.0, lt=1.0, description="Significance of the one-sided z-test."
    )


class FeedbackProfileCheck(_FeedbackCheck):
    """Position bias (CTR by rank), daily CTR and explicit-feedback ratio, and the feedback
    usable as relevance judgements and weak labels, over the latest days."""

    kind: Literal["feedback_profile"]
    query_column: str = Field(default="query", description="The search text (never shown).")
    product_column: str = Field(default="product_id", description="The product shown.")
    window_days: int = Field(
        default=7, ge=1, le=365, description="Latest days the rates are computed over."
    )
    min_top_ctr: Share | None = Field(
        default=None, description="Lowest CTR at rank 1 over the window; unset: not judged."
    )
    min_judged_pairs: int | None = Field(
        default=None,
        ge=0,
        description="Fewest (query, product) pairs usable as judgements; unset: not judged.",
    )


KIND_MODELS: dict[str, type[_Check]] = {
    "missing_labels": MissingLabelsCheck,
    "label_audit": LabelAuditCheck,
    "annotator_agreement": AnnotatorAgreementCheck,
    "drift": DriftCheck,
    "serving_skew": ServingSkewCheck,
    "no_identifiers": NoIdentifiersCheck,
    "k_anonymity": KAnonymityCheck,
    "ctr_drop": CtrDropCheck,
    "feedback_profile": FeedbackProfileCheck,
}
# One check of any kind, told apart by its `kind` key.
MlCheckModel = Annotated[Union[tuple(KIND_MODELS.values())], Field(discriminator="kind")]  # noqa: UP007


class MlCheckFileModel(_Model):
    """An ML-check file: the asset's checks by name."""

    checks: dict[str, MlCheckModel] = Field(description="Each check's name and its kind.")
