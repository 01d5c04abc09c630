"""When downstream assets run by themselves: only on new upstream data that passed its checks."""

import dagster as dg


def gated_eager() -> dg.AutomationCondition:
    """`eager()` ignores checks; the second term holds the asset while a blocking check fails."""
    return dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()
