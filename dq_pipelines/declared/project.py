"""The project as declared in files: sources, SQL models, suites, and the asset graph they form.

Everything here is derived from the contract, SQL and suite files, so adding a source, a model or
an assumption is adding a file. Loading it is pure (no I/O beyond reading those files).
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dq_pipelines import layout
from dq_pipelines.declared.contract_checks import contract_checks
from dq_pipelines.declared.contracts import SourceContract, load_contracts
from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.declared.golden_cases import known_categories, load_golden_cases
from dq_pipelines.declared.golden_schema import ClassifierCase, GoldenCase
from dq_pipelines.declared.ml_checks import MlCheckSpec, load_ml_checks
from dq_pipelines.declared.schemas import TableSchema, infer_schemas
from dq_pipelines.declared.sql_models import SqlModel, load_sql_models
from dq_pipelines.declared.suites import SuiteSpec, load_suites

# The model and what it learns from; everything upstream of MODEL_ASSET "feeds training".
TRAINING_SET = "training_set"
MODEL_ASSET = "category_model"
SEARCH_ASSET = "product_search_index"
MODELS = (MODEL_ASSET, SEARCH_ASSET)  # what golden cases judge and promotion puts in service
EVALUATION_ASSET = "category_model_evaluation"
SEARCH_EVALUATION_ASSET = "product_search_evaluation"
# The SQL model of the judged (query, product) pairs from search feedback: relevance judgements
# for the search evaluation and weak labels for the classifier. Optional: a project without it
# trains on its labels alone and judges its search index by its golden cases alone.
JUDGEMENTS = "feedback_judgements"


@dataclass(frozen=True)
class DeclaredCheck:
    asset: str
    name: str
    severity: str


@dataclass(frozen=True)
class Project:
    contracts: dict[str, SourceContract]
    models: dict[str, SqlModel]
    schemas: dict[str, TableSchema]
    suites: dict[str, SuiteSpec]
    ml_checks: dict[str, list[MlCheckSpec]]
    golden: tuple[GoldenCase, ...] = ()  # the models' must-pass cases (golden_cases.yaml)

    @property
    def deps(self) -> dict[str, tuple[str, ...]]:
        graph: dict[str, tuple[str, ...]] = {c.raw_table: () for c in self.contracts.values()}
        graph |= {m.name: m.deps for m in self.models.values()}
        graph[MODEL_ASSET] = self.training_inputs
        graph[SEARCH_ASSET] = (TRAINING_SET,)
        graph[EVALUATION_ASSET] = (MODEL_ASSET, TRAINING_SET)
        graph[SEARCH_EVALUATION_ASSET] = (SEARCH_ASSET, *self.training_inputs)
        return graph

    @property
    def training_inputs(self) -> tuple[str, ...]:
        """What the classifier learns from: the training set, and the feedback's weak labels
        when the project publishes them (so their blocking checks gate the training too)."""
        return (TRAINING_SET, JUDGEMENTS) if JUDGEMENTS in self.models else (TRAINING_SET,)

    def ancestors(self, asset: str) -> set[str]:
        graph, found, todo = self.deps, set(), list(self.deps[asset])
        while todo:
            node = todo.pop()
            if node not in found:
                found.add(node)
                todo.extend(graph[node])
        return found

    def descendants(self, asset: str) -> set[str]:
        return {a for a in self.deps if asset in self.ancestors(a)}

    def feeds_training(self, asset: str) -> bool:
        return asset in self.ancestors(MODEL_ASSET)

    def source_of(self, asset: str) -> SourceContract | None:
        """The one source an asset is built from (None if it reads several, or none)."""
        tables = self.ancestors(asset) | {asset}
        sources = [c for c in self.contracts.values() if c.raw_table in tables]
        return sources[0] if len(sources) == 1 else None

    def max_quarantine_share(self, asset: str) -> float | None:
        """Quarantine applies to a source's rows, so to assets built from one source only."""
        source = self.source_of(asset)
        return source.max_quarantine_share if source else None

    def is_blocking(self, asset: str, severity: str) -> bool:
        """ERROR checks on assets that feed training block it, and ERROR checks on the model
        (its golden cases) block its promotion; everything else informs."""
        return severity == "ERROR" and (self.feeds_training(asset) or asset in MODELS)

    def golden_for(self, asset: str) -> list[GoldenCase]:
        """The golden cases judging a model asset (classifier cases: MODEL_ASSET; search
        cases: SEARCH_ASSET)."""
        return [c for c in self.golden if _golden_asset(c) == asset]

    @property
    def checks(self) -> list[DeclaredCheck]:
        """Every check the files declare: per source's contract (declared/contract_checks.py),
        per suite expectation and per ML check."""
        declared = [
            DeclaredCheck(check.asset, check.name, check.severity)
            for c in self.contracts.values()
            for check in contract_checks(c)
        ]
        for suite in self.suites.values():
            declared += [
                DeclaredCheck(suite.asset, e.check_name, e.severity) for e in suite.expectations
            ]
        for specs in self.ml_checks.values():
            declared += [DeclaredCheck(s.asset, s.name, s.severity) for s in specs]
        declared += [DeclaredCheck(_golden_asset(c), c.check_name, "ERROR") for c in self.golden]
        return declared


def _golden_asset(case: GoldenCase) -> str:
    """The model asset a golden case is a check of."""
    return MODEL_ASSET if isinstance(case, ClassifierCase) else SEARCH_ASSET


def _models(contracts: dict[str, SourceContract], sql_dir: Path) -> dict[str, SqlModel]:
    """The SQL models; besides each other they may read the sources' raw tables."""
    return load_sql_models(sql_dir, {c.raw_table for c in contracts.values()})


def build_project(
    contracts_dir: Path,
    sql_dir: Path,
    suites_dir: Path,
    ml_checks_dir: Path,
    golden_file: Path | None = None,
) -> Project:
    contracts = load_contracts(contracts_dir)
    models = _models(contracts, sql_dir)
    if TRAINING_SET not in models:
        raise DefinitionFileError(sql_dir, f"no SQL model named '{TRAINING_SET}' to train on")
    schemas = infer_schemas(contracts.values(), models)
    suites = load_suites(suites_dir, schemas)
    ml_checks = load_ml_checks(ml_checks_dir, schemas)
    _check_unique_names(suites, ml_checks)
    golden = load_golden_cases(golden_file, known_categories(suites)) if golden_file else ()
    return Project(contracts, models, schemas, suites, ml_checks, golden)


def _check_unique_names(
    suites: dict[str, SuiteSpec], ml_checks: dict[str, list[MlCheckSpec]]
) -> None:
    """An ML check may not take the name of one of its asset's suite checks."""
    for asset, specs in ml_checks.items():
        suite = suites.get(asset)
        taken = {e.check_name for e in suite.expectations} if suite else set()
        for spec in specs:
            if spec.name in taken:
                raise DefinitionFileError(
                    spec.path, f"check '{spec.name}' is already a check of {asset}'s suite"
                )


def load_models() -> dict[str, SqlModel]:
    """The project's SQL models alone, for a tool that only runs one's SQL: without the suites,
    whose loading imports GX (about 5 s) to check every expectation."""
    return _models(load_contracts(layout.CONTRACTS_DIR), layout.SQL_DIR)


@cache
def load_project() -> Project:
    """The project's own files (cached: they are code, read once per process)."""
    return build_project(
        layout.CONTRACTS_DIR,
        layout.SQL_DIR,
        layout.SUITES_DIR,
        layout.ML_CHECKS_DIR,
        layout.GOLDEN_CASES,
    )
