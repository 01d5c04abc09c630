"""Pipeline benchmark: the whole reference pipeline, end to end, per stage and per step.

    .venv/bin/python benchmarks/pipeline_bench.py --products 3000 --products 1000000

For each size, in a fresh Python process (so peak RSS is that size's own): generate a clean
delivery with `generate_delivery` into a temporary landing folder, point DQ_DUCKDB_PATH,
DQ_LANDING_DIR, DQ_ARTIFACTS_DIR and DAGSTER_HOME (telemetry off) at temporary paths, load the
real definitions and execute `full_pipeline_job` in process. Step times come from the run's
STEP_START and STEP_SUCCESS / STEP_FAILURE events in the instance's event log.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import click
from process_memory import peak_rss_mib, status_kib

STAGES = (
    "generate",
    "load definitions",
    "ingest",
    "validate",
    "transform",
    "train",
    "evaluate",
    "other",
)
JOB = "full_pipeline_job"


def _step_stages(defs) -> dict[str, str]:
    """Step (op) name -> stage: an asset's group (ingest, transform, train, evaluate); check-only
    steps, if any, are the validate stage. A write-audit-publish step's audit (its
    `audit_seconds` metadata) is counted as validate too, see `render`."""
    stages: dict[str, str] = {}
    for spec in defs.resolve_all_asset_specs():
        stages[spec.key.to_python_identifier()] = spec.group_name or "other"
    for checks_def in defs.asset_checks or []:
        stages.setdefault(checks_def.node_def.name, "validate")
    return stages


def _steps(instance, run_id: str, stages: dict[str, str]) -> list[dict[str, Any]]:
    """One row per step with its start, end, duration and status, in start order."""
    steps: dict[str, dict[str, Any]] = {}
    for entry in instance.all_logs(run_id):
        event, key = entry.dagster_event, entry.step_key
        if event is None or key is None:
            continue
        row = steps.setdefault(key, {"step": key, "stage": stages.get(key, "other")})
        kind = event.event_type_value
        if kind == "STEP_START":
            row["start"] = entry.timestamp
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            row["end"] = entry.timestamp
            row["status"] = "success" if kind == "STEP_SUCCESS" else "FAILED"
        elif kind == "STEP_SKIPPED":
            row["status"] = "skipped"
        elif kind == "ASSET_MATERIALIZATION":
            audit = event.event_specific_data.materialization.metadata.get("audit_seconds")
            if audit is not None:
                row["audit_seconds"] = row.get("audit_seconds", 0.0) + audit.value
        elif kind == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            row["checks"] = row.get("checks", 0) + 1
            row["failed_checks"] = row.get("failed_checks", 0) + (not evaluation.passed)
    out = []
    for row in steps.values():
        if "start" in row and "end" in row:
            row["seconds"] = row["end"] - row["start"]
        out.append(row)
    return sorted(out, key=lambda r: r.get("start", float("inf")))


def child_main(products: int, root: Path) -> None:
    """Generate, load and run one size; print a JSON result as the last stdout line."""
    shutil.rmtree(root, ignore_errors=True)
    home = root / "dagster_home"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    os.environ |= {
        "DQ_DUCKDB_PATH": str(root / "warehouse.duckdb"),
        "DQ_LANDING_DIR": str(root / "landing"),
        "DQ_ARTIFACTS_DIR": str(root / "artifacts"),
        "DAGSTER_HOME": str(home),
        "DAGSTER_DISABLE_TELEMETRY": "1",
        "GX_ANALYTICS_ENABLED": "false",
    }
    for name in ("DQ_SLACK_WEBHOOK_URL", "DQ_SLACK_BOT_TOKEN", "DQ_SLACK_CHANNEL"):
        os.environ.pop(name, None)  # alerts are the sensor's job; the run never posts

    started = time.perf_counter()
    import dagster as dg

    from dq_pipelines.cli.demo import CLEAN_DAY, QUIET
    from dq_pipelines.cli.sample_data import generate_delivery

    timings: dict[str, float] = {"imports": time.perf_counter() - started}
    baseline = status_kib("VmRSS") / 1024

    t = time.perf_counter()
    report = generate_delivery(root / "landing", CLEAN_DAY, n_products=products)
    timings["generate"] = time.perf_counter() - t
    peak_after_generate = peak_rss_mib()

    t = time.perf_counter()
    from dq_pipelines.definitions import defs as load_defs

    defs = load_defs()
    job = defs.resolve_job_def(JOB)
    timings["load definitions"] = time.perf_counter() - t

    with dg.DagsterInstance.get() as instance:
        t = time.perf_counter()
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET)
        timings["execute"] = time.perf_counter() - t
        steps = _steps(instance, result.run_id, _step_stages(defs))
        evaluations = result.get_asset_check_evaluations()
    result_json = {
        "products": products,
        "rows": report.rows,
        "success": result.success,
        "run_id": result.run_id,
        "timings": timings,
        "steps": steps,
        "checks": len(evaluations),
        "failed_checks": sorted(
            f"{e.asset_key.to_user_string()}.{e.check_name}" for e in evaluations if not e.passed
        ),
        "baseline_rss_mib": baseline,
        "peak_rss_after_generate_mib": peak_after_generate,
        "peak_rss_mib": peak_rss_mib(),
    }
    sys.stdout.write("\n" + json.dumps(result_json) + "\n")


def run_child(products: int, root: Path) -> dict[str, Any]:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        str(products),
        "--child-root",
        str(root),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-25:])
        raise click.ClickException(f"pipeline child failed (exit {proc.returncode}):\n{tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def render(r: dict[str, Any]) -> list[str]:
    timings, steps = r["timings"], r["steps"]
    by_stage: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    for s in steps:
        audit = min(s.get("audit_seconds", 0.0), s.get("seconds", 0.0))
        by_stage[s["stage"]] += s.get("seconds", 0.0) - audit
        count[s["stage"]] += 1
        if audit:  # the audit inside a write-audit-publish step is validation
            by_stage["validate"] += audit
            count["validate"] += 1
    by_stage["generate"] = timings["generate"]
    by_stage["load definitions"] = timings["load definitions"]
    total = timings["generate"] + timings["load definitions"] + timings["execute"]
    in_steps = sum(s.get("seconds", 0.0) for s in steps)
    rows = ", ".join(f"{k} {v:,}" for k, v in r["rows"].items())
    lines = [
        f"### {r['products']:,} catalog products ({rows} rows delivered)",
        "",
        f"Run {'SUCCEEDED' if r['success'] else 'FAILED'} (run {r['run_id'][:8]}); "
        f"{r['checks']} check evaluations, {len(r['failed_checks'])} failed"
        + (f": {', '.join(r['failed_checks'])}" if r["failed_checks"] else ""),
        "",
        "| stage | steps | seconds | share of total |",
        "|---|---:|---:|---:|",
    ]
    for stage in STAGES:
        if stage in by_stage:
            n = count.get(stage, "-")
            lines.append(
                f"| {stage} | {n} | {by_stage[stage]:.2f} | {by_stage[stage] / total:.0%} |"
            )
    other = timings["execute"] - in_steps
    lines += [
        f"| Dagster run overhead (outside steps) | - | {other:.2f} | {other / total:.0%} |",
        f"| **total** | {len(steps)} | **{total:.2f}** | 100% |",
        "",
        "| step | stage | status | seconds | of which audit |",
        "|---|---|---|---:|---:|",
    ]
    for s in steps:
        secs = f"{s['seconds']:.2f}" if "seconds" in s else "-"
        audit = f"{s['audit_seconds']:.2f}" if "audit_seconds" in s else "-"
        status = s.get("status", "?")
        if s.get("checks"):
            status += f" ({s['checks']} checks, {s['failed_checks']} failed)"
        lines.append(f"| {s['step']} | {s['stage']} | {status} | {secs} | {audit} |")
    timed = [s for s in steps if "seconds" in s]
    if timed:
        slowest = max(timed, key=lambda s: s["seconds"])
        lines += [
            "",
            f"- slowest step: **{slowest['step']}** ({slowest['stage']}) "
            f"{slowest['seconds']:.2f} s, {slowest['seconds'] / total:.0%} of the total",
        ]
    lines += [
        f"- peak RSS: {r['peak_rss_mib']:,.0f} MiB (after imports {r['baseline_rss_mib']:,.0f} "
        f"MiB; after generation {r['peak_rss_after_generate_mib']:,.0f} MiB)",
        f"- imports (not in total): {timings['imports']:.2f} s",
    ]
    return lines


@click.command()
@click.option(
    "--products",
    "sizes",
    type=click.IntRange(min=100),
    multiple=True,
    default=(3000, 1_000_000),
    show_default=True,
    help="Catalog products to generate; repeat for several sizes.",
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where each size's landing folder, warehouse and DAGSTER_HOME go (default: a "
    "temporary folder, removed afterwards).",
)
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--child", type=int, hidden=True)
@click.option("--child-root", type=click.Path(path_type=Path), hidden=True)
def main(sizes, workdir, json_out, child, child_root) -> None:
    """Time the reference pipeline end to end on sample data, per stage and per step."""
    if child:
        child_main(child, child_root)
        return
    results, lines = [], ["## Pipeline benchmark", ""]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dq-pipeline-bench-") as tmp:
        root = Path(workdir) if workdir else Path(tmp)
        for products in sizes:
            click.echo(f"[{products:,} products] generating and running {JOB} ...", err=True)
            r = run_child(products, root / f"pipeline_{products}")
            click.echo(
                f"[{products:,} products] {'succeeded' if r['success'] else 'FAILED'} in "
                f"{r['timings']['generate'] + r['timings']['execute']:.1f} s",
                err=True,
            )
            results.append(r)
            lines += [*render(r), ""]
    lines.append(
        f"Total {time.perf_counter() - started:.0f} s on {os.cpu_count()} CPUs; load average at "
        f"end {os.getloadavg()[0]:.2f}."
    )
    click.echo("\n".join(lines))
    if json_out:
        json_out.write_text(json.dumps(results, indent=2, default=str))
    if not all(r["success"] for r in results):
        click.echo("a pipeline run did not succeed (see the tables above)", err=True)


if __name__ == "__main__":
    main()
