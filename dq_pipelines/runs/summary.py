"""What a finished run did, in words: checks failed, deliveries held, assets blocked, rows
quarantined, steps that failed. Shown on the run's page as tags (defs/alerts/run_summary.py), so
a person reads what happened there instead of a traceback or a green mark that hides a hold.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import dagster as dg

from dq_pipelines.checks.dagster_results import blocks

# Tag values are shown whole on the run page; a long list is cut, saying how much is left out.
MAX_TAG_CHARS = 400


@dataclass(frozen=True)
class RunSummary:
    failed_checks: tuple[str, ...]  # "asset:check (SEVERITY[, blocking])"
    held: tuple[str, ...]  # "asset: why"
    blocked: tuple[str, ...]  # assets not rebuilt because of a hold or a blocking check
    quarantined: tuple[str, ...]  # "asset: N rows"
    step_errors: tuple[str, ...]  # "step: first line of the error"

    @property
    def sentence(self) -> str:
        parts = [
            f"{len(self.failed_checks)} check(s) failed: {', '.join(self.failed_checks)}"
            if self.failed_checks
            else "every check passed",
        ]
        parts += [f"held {h}" for h in self.held]
        if self.blocked:
            parts.append(f"blocked (not rebuilt): {', '.join(self.blocked)}")
        parts += [f"quarantined {q}" for q in self.quarantined]
        parts += [f"step failed: {e}" for e in self.step_errors]
        return "; ".join(parts) + "."

    def tags(self) -> dict[str, str]:
        """The run's `dq/*` tags: the outcome in one word, and each list when it is not empty."""
        if self.step_errors:
            outcome = "failed"
        elif self.held or self.blocked:
            outcome = "held" if self.held else "blocked"
        elif self.failed_checks:
            outcome = "checks failed"
        else:
            outcome = "all passed"
        found = {
            "dq/outcome": outcome,
            "dq/summary": self.sentence,
            "dq/failed_checks": ", ".join(self.failed_checks),
            "dq/held": ", ".join(h.split(":", 1)[0] for h in self.held),
            "dq/blocked": ", ".join(self.blocked),
        }
        return {k: _cut(v) for k, v in found.items() if v}


def _cut(text: str) -> str:
    if len(text) <= MAX_TAG_CHARS:
        return text
    return (
        text[: MAX_TAG_CHARS - 20].rstrip(", ") + f" ... (+{len(text) - MAX_TAG_CHARS + 20} chars)"
    )


def _metadata(event: dg.DagsterEvent) -> dict:
    if event.is_asset_observation:
        metadata = event.asset_observation_data.asset_observation.metadata
    elif event.is_step_materialization:
        metadata = event.step_materialization_data.materialization.metadata
    else:
        return {}
    return {k: v.value for k, v in metadata.items()}


def summarize_events(events: Iterable[dg.DagsterEvent]) -> RunSummary:
    """The summary of a run from its events (in-process results' or the event log's)."""
    failed, held, blocked, quarantined, errors = [], [], set(), [], []
    for event in events:
        asset = event.asset_key.to_user_string() if event.asset_key else ""
        meta = _metadata(event)
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            ev = event.event_specific_data
            if isinstance(ev, dg.AssetCheckEvaluation) and not ev.passed:
                flag = ", blocking" if blocks(ev) else ""  # a check event has no event.asset_key
                checked = ev.asset_key.to_user_string()
                failed.append(f"{checked}:{ev.check_name} ({ev.severity.value}{flag})")
        elif meta.get("dq/status") == "held":
            held.append(f"{asset}: {meta.get('held_because')}")
        elif meta.get("dq/status") == "blocked":
            blocked.add(asset)
        elif event.is_step_materialization and int(meta.get("quarantined_rows") or 0) > 0:
            quarantined.append(f"{asset}: {meta['quarantined_rows']} rows")
        elif event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            lines = event.step_failure_data.error.message.strip().splitlines()
            errors.append(f"{event.step_key}: {lines[0] if lines else '?'}")
    return RunSummary(
        tuple(failed), tuple(held), tuple(sorted(blocked)), tuple(quarantined), tuple(errors)
    )
