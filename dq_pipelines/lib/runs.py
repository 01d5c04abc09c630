"""What the Dagster instance knows about runs, as plain predicates for non-Dagster code."""

from collections.abc import Callable

import dagster as dg


def run_is_over(instance: dg.DagsterInstance) -> Callable[[str], bool]:
    """True for a run the instance knows and that has finished (succeeded, failed, canceled).

    A run the instance does not know is not called over: its tables may belong to a run of
    another instance sharing the warehouse.
    """

    def is_over(run_id: str) -> bool:
        run = instance.get_run_by_id(run_id)
        return run is not None and run.is_finished

    return is_over
