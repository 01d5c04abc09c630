"""Where the project's declarative files live: contracts, suites, ML checks and SQL models.

These are part of the code (reviewed, versioned), not runtime configuration, so they are found
relative to the package rather than through environment variables.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
CONTRACTS_DIR = PACKAGE_DIR / "contracts"
SUITES_DIR = PACKAGE_DIR / "defs" / "validate" / "suites"
ML_CHECKS_DIR = PACKAGE_DIR / "defs" / "validate" / "ml_checks"
SQL_DIR = PROJECT_ROOT / "dbt_like_sql"
GOLDEN_CASES = PACKAGE_DIR / "defs" / "evaluate" / "golden_cases.yaml"
PROMOTION_RULES = PACKAGE_DIR / "defs" / "evaluate" / "promotion.yaml"
