"""Validation benchmark: GX on pandas vs. GX in DuckDB vs. one hand-written DuckDB scan.

    .venv/bin/python benchmarks/validation_bench.py --rows 1000000 --rows 10000000 --repeats 3

For each size, an `orders` table (10 columns of common types, with nulls, duplicates and
out-of-range values) is generated inside DuckDB, then the same ~20 expectations are checked by:

- pandas:    fetch the table with DuckDB (`.df()`), then the runner's pandas path (GX pandas);
- in-duckdb: `validate_table` with a suite whose engine is "auto" (GX's SQL engine on DuckDB);
- floor:     ONE hand-written DuckDB aggregate query answering the same checks in one scan.

Every repeat of every method runs in a fresh Python process, so the peak RSS reported is that
method's own. Wall time is measured inside the child around the work only (imports excluded and
reported separately). The three methods must agree on pass/fail for every expectation.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import click
from process_memory import peak_rss_mib, status_kib

TABLE = "orders"
TARGET_ROWS = 10_000_000  # the size the issue states its targets for
SPEEDUP_TARGET = 5.0  # pandas / in-duckdb >= 5x
FLOOR_TARGET = 3.0  # in-duckdb / floor <= 3x
RSS_TARGET = 0.25  # in-duckdb peak RSS / pandas peak RSS < 1/4

# --- data ------------------------------------------------------------------------------------

COUNTRIES = ("DE", "FR", "NL", "BE", "AT", "IT", "ES", "PL")
STATUSES = ("placed", "paid", "shipped", "delivered", "returned")
NOTES = ("gift wrap please", "leave at the door", "call before delivery", "fragile", "x")


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


# Deterministic, generated in DuckDB: `h` and `g` are two independent 63-bit hashes of the row
# number. Faults: every 50,000th row repeats the previous order (same order_id and customer_id),
# ~1/20,000 countries are 'XX', ~1/15,000 quantities are 0 or 999, ~1/100,000 prices are
# negative, 30% of discounts and 80% of notes are null.
GENERATE_SQL = f"""
create or replace table {TABLE} as
with base as (
    select case when range % 50000 = 49999 then range - 1 else range end as oid,
        (hash(range) >> 1)::bigint as h,
        (hash(range + 1000000007) >> 1)::bigint as g
    from range($rows)
)
select
    oid as order_id,
    'C' || lpad(((hash(oid) >> 1)::bigint % 2000000)::varchar, 8, '0') as customer_id,
    case when h % 20000 = 0 then 'XX' else [{_sql_list(COUNTRIES)}][1 + (h >> 8) % 8] end
        as country,
    [{_sql_list(STATUSES)}][1 + (h >> 12) % 5] as status,
    (case when h % 30011 = 1 then 0 when h % 30011 = 2 then 999 else 1 + (h >> 16) % 20 end)
        ::integer as quantity,
    (case when g % 100003 = 5 then -1.00 else round(0.5 + ((g >> 4) % 99950) / 100.0, 2) end)
        ::decimal(10, 2) as unit_price,
    (case when (g >> 20) % 10 < 3 then null else ((g >> 24) % 501) / 1000.0 end)::double
        as discount,
    timestamp '2024-01-01' + to_seconds((g >> 28) % (730 * 86400)) as order_ts,
    case when (g >> 40) % 5 < 4 then null else [{_sql_list(NOTES)}][1 + (g >> 44) % 5] end
        as note,
    (h >> 50) % 10 = 0 as is_gift
from base
"""
N_COLUMNS = 10


# --- the suite, and the floor's hand-written answer to each expectation -------------------------


@dataclass(frozen=True)
class Check:
    """One GX expectation and the hand-written SQL aggregate that answers it (true = passes)."""

    name: str
    type: str
    kwargs: dict[str, Any]
    floor: str


_TS = {"min_value": "2024-01-01T00:00:00", "max_value": "2026-01-01T00:00:00"}

CHECKS: tuple[Check, ...] = (
    Check("row_count", "expect_table_row_count_to_be_between",
          {"min_value": 1000}, "count(*) >= 1000"),
    Check("column_count", "expect_table_column_count_to_equal", {"value": N_COLUMNS},
          f"(select count(*) from duckdb_columns() where table_name = '{TABLE}') = {N_COLUMNS}"),
    Check("order_id__not_null", "expect_column_values_to_not_be_null",
          {"column": "order_id"}, "count(order_id) = count(*)"),
    Check("order_id__unique", "expect_column_values_to_be_unique",
          {"column": "order_id"}, "count(order_id) = count(distinct order_id)"),
    Check("customer_id__not_null", "expect_column_values_to_not_be_null",
          {"column": "customer_id"}, "count(customer_id) = count(*)"),
    Check("customer_id__length", "expect_column_value_lengths_to_equal",
          {"column": "customer_id", "value": 9},
          "count(*) filter (length(customer_id) <> 9) = 0"),
    Check("order_customer__unique", "expect_compound_columns_to_be_unique",
          {"column_list": ["order_id", "customer_id"]},
          "count(*) = count(distinct (order_id, customer_id))"),
    Check("customer_id__distinct_count", "expect_column_unique_value_count_to_be_between",
          {"column": "customer_id", "min_value": 100},
          "count(distinct customer_id) >= 100"),
    Check("country__in_set", "expect_column_values_to_be_in_set",
          {"column": "country", "value_set": list(COUNTRIES)},
          f"count(*) filter (country not in ({_sql_list(COUNTRIES)})) = 0"),
    Check("status__in_set", "expect_column_values_to_be_in_set",
          {"column": "status", "value_set": list(STATUSES)},
          f"count(*) filter (status not in ({_sql_list(STATUSES)})) = 0"),
    Check("quantity__between", "expect_column_values_to_be_between",
          {"column": "quantity", "min_value": 1, "max_value": 20, "mostly": 0.999},
          "count(quantity) - count(*) filter (quantity < 1 or quantity > 20)"
          " >= 0.999 * count(quantity)"),
    Check("quantity__not_null", "expect_column_values_to_not_be_null",
          {"column": "quantity"}, "count(quantity) = count(*)"),
    Check("unit_price__between", "expect_column_values_to_be_between",
          {"column": "unit_price", "min_value": 0.01, "max_value": 10000},
          "count(*) filter (unit_price < 0.01 or unit_price > 10000) = 0"),
    Check("unit_price__mean", "expect_column_mean_to_be_between",
          {"column": "unit_price", "min_value": 100, "max_value": 900},
          "avg(unit_price) between 100 and 900"),
    Check("unit_price__max", "expect_column_max_to_be_between",
          {"column": "unit_price", "max_value": 10000}, "max(unit_price) <= 10000"),
    Check("discount__between", "expect_column_values_to_be_between",
          {"column": "discount", "min_value": 0, "max_value": 0.5},
          "count(*) filter (discount < 0 or discount > 0.5) = 0"),
    Check("discount__mostly_not_null", "expect_column_values_to_not_be_null",
          {"column": "discount", "mostly": 0.6}, "count(discount) >= 0.6 * count(*)"),
    Check("order_ts__between", "expect_column_values_to_be_between",
          {"column": "order_ts", **_TS},
          "count(*) filter (order_ts < timestamp '2024-01-01'"
          " or order_ts > timestamp '2026-01-01') = 0"),
    Check("note__length", "expect_column_value_lengths_to_be_between",
          {"column": "note", "min_value": 1, "max_value": 200},
          "count(*) filter (length(note) < 1 or length(note) > 200) = 0"),
    Check("is_gift__in_set", "expect_column_values_to_be_in_set",
          {"column": "is_gift", "value_set": [True, False]},
          "count(*) filter (is_gift not in (true, false)) = 0"),
)  # fmt: skip

# GX has no SQL regex on DuckDB: validate_table re-runs this one in pandas on just its column.
REGEX_CHECK = Check(
    "customer_id__regex",
    "expect_column_values_to_match_regex",
    {"column": "customer_id", "regex": r"^C\d{8}$"},
    r"count(*) filter (not regexp_full_match(customer_id, 'C\d{8}')) = 0",
)


def floor_sql(checks: tuple[Check, ...] = CHECKS) -> str:
    answers = ",\n    ".join(f'{c.floor} as "{c.name}"' for c in checks)
    return f"select\n    {answers}\nfrom {TABLE}"


def build_suite(checks: tuple[Check, ...]):
    from dq_pipelines.declared.suites import ExpectationSpec, SuiteSpec

    specs = tuple(
        ExpectationSpec(c.name, c.type, dict(c.kwargs), "ERROR", "", {"check_name": c.name})
        for c in checks
    )
    return SuiteSpec(asset=TABLE, path=Path(__file__), expectations=specs, engine="auto")


# --- methods (run in a child process) ----------------------------------------------------------


@dataclass(frozen=True)
class Method:
    key: str
    label: str
    checks: tuple[Check, ...]
    extra: bool = False  # not one of the three compared methods


METHODS: tuple[Method, ...] = (
    Method("pandas", "GX on pandas (fetch + validate)", CHECKS),
    Method("in-duckdb", "GX in DuckDB (validate_table, engine auto)", CHECKS),
    Method("floor", "hand-written DuckDB scan (floor)", CHECKS),
    Method(
        "in-duckdb+regex",
        "extra: GX in DuckDB + 1 regex (pandas fallback)",
        (*CHECKS, REGEX_CHECK),
        extra=True,
    ),
)
BY_KEY = {m.key: m for m in METHODS}


# What each statement GX sends is for, by its shape (first match wins).
SQL_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("compound unique: unexpected count (window over all columns)",
     ("records_with_grouped_column_counts", "UnexpectedCountSubquery")),
    ("compound unique: sample of duplicated rows (window over all columns)",
     ("original_table_clause",)),
    ("unique: unexpected count (window count per value)", ("count_per_value", "unexpected_count")),
    ("unique: sample of duplicated values (window count per value)", ("OVER (PARTITION BY",)),
    ("samples of unexpected values (one LIMIT query per expectation)", ("AS unexpected_values",)),
    ("bundled aggregate scans (counts, mean, max, distinct)",
     ("sum(CASE WHEN",)),
    ("bundled aggregate scans (counts, mean, max, distinct)", ("count(DISTINCT",)),
    ("bundled aggregate scans (counts, mean, max, distinct)", ("count(*)",)),
)  # fmt: skip
OTHER_SQL = "metadata (schema reflection, column types)"


def sql_kind(statement: str) -> str:
    return next((k for k, parts in SQL_KINDS if all(p in statement for p in parts)), OTHER_SQL)


@dataclass
class _SqlProfile:
    """Every statement GX sends through SQLAlchemy, and every connection it opens."""

    queries: list[tuple[float, str]] = field(default_factory=list)
    connects: int = 0
    connect_s: float = 0.0

    def install(self) -> None:
        import duckdb_engine
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        @event.listens_for(Engine, "before_cursor_execute")
        def _before(conn, cursor, statement, params, context, executemany):
            conn.info["dq_bench_t0"] = time.perf_counter()

        @event.listens_for(Engine, "after_cursor_execute")
        def _after(conn, cursor, statement, params, context, executemany):
            took = time.perf_counter() - conn.info.pop("dq_bench_t0")
            self.queries.append((took, " ".join(statement.split())))

        connect = duckdb_engine.Dialect.connect

        def timed_connect(dialect, *args, **kwargs):
            start = time.perf_counter()
            try:
                return connect(dialect, *args, **kwargs)
            finally:
                self.connects += 1
                self.connect_s += time.perf_counter() - start

        duckdb_engine.Dialect.connect = timed_connect  # type: ignore[method-assign]

    def summary(self) -> dict[str, Any]:
        top = sorted(self.queries, reverse=True)[:6]
        by_kind: dict[str, dict[str, float]] = {}
        for took, statement in self.queries:
            kind = by_kind.setdefault(sql_kind(statement), {"queries": 0, "s": 0.0})
            kind["queries"] += 1
            kind["s"] += took
        return {
            "queries": len(self.queries),
            "sql_s": sum(t for t, _ in self.queries),
            "connects": self.connects,
            "connect_s": self.connect_s,
            "by_kind": by_kind,
            "slowest": [{"s": t, "kind": sql_kind(s), "sql": s[:240]} for t, s in top],
        }


def _run_pandas(db: str, checks: tuple[Check, ...]) -> dict[str, Any]:
    from dq_pipelines.checks.gx_runner import _validate_pandas
    from dq_pipelines.storage.warehouse import DuckDBWarehouse

    suite = build_suite(checks)
    start = time.perf_counter()
    df = DuckDBWarehouse(path=db).read_table(TABLE)  # what engine "pandas" does in validate_table
    fetched = time.perf_counter()
    outcomes = _validate_pandas(suite.asset, list(suite.expectations), df, "benchmark")
    done = time.perf_counter()
    return {
        "wall_s": done - start,
        "phases": {"fetch_s": fetched - start, "validate_s": done - fetched},
        "passed": {o.check_name: o.passed for o in outcomes},
        "engines": {o.check_name: o.details.get("engine") for o in outcomes},
    }


def _run_in_duckdb(db: str, checks: tuple[Check, ...]) -> dict[str, Any]:
    from dq_pipelines.checks.gx_runner import validate_table
    from dq_pipelines.storage.warehouse import DuckDBWarehouse

    profile = _SqlProfile()
    profile.install()
    suite = build_suite(checks)
    start = time.perf_counter()
    outcomes = validate_table(suite, DuckDBWarehouse(path=db))
    done = time.perf_counter()
    return {
        "wall_s": done - start,
        "phases": {},
        "passed": {o.check_name: o.passed for o in outcomes},
        "engines": {o.check_name: o.details.get("engine") for o in outcomes},
        "sql_profile": profile.summary(),
    }


def _run_floor(db: str, checks: tuple[Check, ...]) -> dict[str, Any]:
    import duckdb

    start = time.perf_counter()
    with duckdb.connect(db, read_only=True) as con:
        cursor = con.execute(floor_sql(checks))
        row = cursor.fetchone()
        names = [d[0] for d in cursor.description]
    done = time.perf_counter()
    return {
        "wall_s": done - start,
        "phases": {},
        "passed": {name: bool(value) for name, value in zip(names, row, strict=True)},
        "engines": dict.fromkeys(names, "duckdb-sql"),
    }


RUNNERS: dict[str, Callable[[str, tuple[Check, ...]], dict[str, Any]]] = {
    "pandas": _run_pandas,
    "in-duckdb": _run_in_duckdb,
    "in-duckdb+regex": _run_in_duckdb,
    "floor": _run_floor,
}


def _import_for(method: str) -> None:
    """Load what the method needs before the clock starts (imports are not validation)."""
    import duckdb  # noqa: F401

    if method == "floor":
        return
    import great_expectations  # noqa: F401
    import pandas  # noqa: F401

    import dq_pipelines.checks.gx_runner
    import dq_pipelines.storage.warehouse

    if method.startswith("in-duckdb"):
        import duckdb_engine  # noqa: F401
        import sqlalchemy  # noqa: F401

        import dq_pipelines.checks.gx_duckdb  # noqa: F401


def child_main(method: str, db: str) -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    started = time.perf_counter()
    _import_for(method)
    imported = time.perf_counter()
    baseline = status_kib("VmRSS") / 1024
    result = RUNNERS[method](db, BY_KEY[method].checks)
    result |= {
        "method": method,
        "import_s": imported - started,
        "baseline_rss_mib": baseline,
        "peak_rss_mib": peak_rss_mib(),
    }
    sys.stdout.write("\n" + json.dumps(result) + "\n")


# --- the parent: generate, run the children, report -------------------------------------------


def _log(message: str) -> None:
    click.echo(message, err=True)


def generate_table(db: Path, rows: int) -> float:
    import duckdb

    db.unlink(missing_ok=True)
    Path(f"{db}.wal").unlink(missing_ok=True)
    start = time.perf_counter()
    with duckdb.connect(str(db)) as con:
        con.execute(GENERATE_SQL, {"rows": rows})
        con.execute("checkpoint")
    return time.perf_counter() - start


def run_child(method: str, db: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", method, "--db", str(db)]
    env = os.environ | {"GX_ANALYTICS_ENABLED": "false"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-25:])
        raise click.ClickException(f"{method} child failed (exit {proc.returncode}):\n{tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run whose wall time is the median (lower middle for even counts)."""
    ordered = sorted(runs, key=lambda r: r["wall_s"])
    return ordered[(len(ordered) - 1) // 2]


def summarize(runs: list[dict[str, Any]], rows: int) -> dict[str, Any]:
    wall = statistics.median(r["wall_s"] for r in runs)
    phases = {k: statistics.median(r["phases"][k] for r in runs) for k in runs[0].get("phases", {})}
    return {
        "repeats": len(runs),
        "wall_s": wall,
        "wall_s_all": [r["wall_s"] for r in runs],
        "rows_per_s": rows / wall if wall else None,
        "peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in runs),
        "baseline_rss_mib": statistics.median(r["baseline_rss_mib"] for r in runs),
        "rss_over_baseline_mib": statistics.median(
            r["peak_rss_mib"] - r["baseline_rss_mib"] for r in runs
        ),
        "import_s": statistics.median(r["import_s"] for r in runs),
        "phases": phases,
        "sql_profile": _median_run(runs).get("sql_profile"),
        "sql_wall_s": _median_run(runs)["wall_s"],
        "passed": _median_run(runs)["passed"],
        "engines": _median_run(runs)["engines"],
    }


def compare_outcomes(summaries: dict[str, dict[str, Any]]) -> list[str]:
    """One line per expectation on which the compared methods disagree about pass/fail."""
    compared = [m.key for m in METHODS if not m.extra and m.key in summaries]
    lines = []
    for check in CHECKS:
        verdicts = {m: summaries[m]["passed"].get(check.name) for m in compared}
        if len(set(verdicts.values())) > 1:
            shown = ", ".join(f"{m}={'pass' if v else 'FAIL'}" for m, v in verdicts.items())
            lines.append(f"DISAGREE {check.name}: {shown}")
    return lines


def ratios(summaries: dict[str, dict[str, Any]], rows: int) -> list[dict[str, Any]]:
    pandas, sql, floor = (summaries.get(k) for k in ("pandas", "in-duckdb", "floor"))
    out = []
    if pandas and sql:
        out.append({
            "name": "pandas / in-duckdb speedup", "value": pandas["wall_s"] / sql["wall_s"],
            "unit": "x", "target": f">= {SPEEDUP_TARGET:g}x",
            "met": pandas["wall_s"] / sql["wall_s"] >= SPEEDUP_TARGET,
        })  # fmt: skip
    if sql and floor:
        out.append({
            "name": "in-duckdb / floor slowdown", "value": sql["wall_s"] / floor["wall_s"],
            "unit": "x", "target": f"<= {FLOOR_TARGET:g}x",
            "met": sql["wall_s"] / floor["wall_s"] <= FLOOR_TARGET,
        })  # fmt: skip
    if pandas and sql:
        share = sql["peak_rss_mib"] / pandas["peak_rss_mib"]
        out.append({
            "name": "in-duckdb / pandas peak RSS", "value": share, "unit": "",
            "target": f"< {RSS_TARGET:g}", "met": share < RSS_TARGET,
        })  # fmt: skip
    for r in out:
        r["applies"] = rows >= TARGET_ROWS
    return out


def _fmt_ratio(r: dict[str, Any]) -> str:
    value = f"{r['value']:.1f}x" if r["unit"] == "x" else f"{r['value']:.2f}"
    if r["applies"]:
        status = "MET" if r["met"] else "NOT MET"
    else:
        status = f"(targets are stated for {TARGET_ROWS:,} rows)"
    return f"- {r['name']}: {value} (target {r['target']}) {status}"


def _detail(key: str, s: dict[str, Any]) -> str:
    if key == "pandas":
        p = s["phases"]
        return f"fetch {p['fetch_s']:.2f} s + validate {p['validate_s']:.2f} s"
    if s.get("sql_profile"):
        prof = s["sql_profile"]
        text = f"{prof['queries']} SQL queries, {prof['sql_s']:.2f} s in SQL"
        text += f", {prof['connects']} connections"
        fallback = sorted(n for n, e in s["engines"].items() if e != "duckdb-sql")
        return text + (f"; pandas fallback: {', '.join(fallback)}" if fallback else "")
    if key == "floor":
        return f"1 query, {len(s['passed'])} answers"
    return ""


def render_size(rows: int, gen_s: float, summaries: dict[str, dict[str, Any]]) -> list[str]:
    some = next(iter(summaries.values()))
    lines = [
        f"### {rows:,} rows ({len(CHECKS)} expectations on {N_COLUMNS} columns; "
        f"median of {some['repeats']} runs, each in a fresh process; table generated in "
        f"{gen_s:.1f} s)",
        "",
        "| method | wall s | rows/s | peak RSS MiB | over baseline MiB | runs (s) | detail |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for m in METHODS:
        s = summaries.get(m.key)
        if s is None:
            continue
        runs = " / ".join(f"{w:.2f}" for w in s["wall_s_all"])
        lines.append(
            f"| {m.label} | {s['wall_s']:.2f} | {s['rows_per_s']:,.0f} | {s['peak_rss_mib']:,.0f}"
            f" | {s['rss_over_baseline_mib']:,.0f} | {runs} | {_detail(m.key, s)} |"
        )
    lines.append("")
    lines.extend(_fmt_ratio(r) for r in ratios(summaries, rows))
    disagreements = compare_outcomes(summaries)
    compared = [m.key for m in METHODS if not m.extra and m.key in summaries]
    if disagreements:
        lines.extend(f"- {d}" for d in disagreements)
    else:
        verdicts = summaries[compared[0]]["passed"]
        failing = sorted(c.name for c in CHECKS if not verdicts.get(c.name))
        lines.append(
            f"- pass/fail agreement ({', '.join(compared)}): all {len(CHECKS)} expectations agree"
            f"; failing as designed: {', '.join(failing) or 'none'}"
        )
    extra = summaries.get("in-duckdb+regex")
    if extra is not None:
        verdict = "pass" if extra["passed"].get(REGEX_CHECK.name) else "FAIL"
        lines.append(
            f"- extra regex row: {REGEX_CHECK.name} ran on engine "
            f"'{extra['engines'].get(REGEX_CHECK.name)}' ({verdict}); cost over in-duckdb: "
            f"{extra['wall_s'] - summaries['in-duckdb']['wall_s']:+.2f} s"
            if "in-duckdb" in summaries
            else f"- extra regex row: {REGEX_CHECK.name} ({verdict})"
        )
    sql = summaries.get("in-duckdb")
    if sql and sql.get("sql_profile"):
        lines += ["", *render_sql_profile(sql)]
    return lines


def render_sql_profile(summary: dict[str, Any]) -> list[str]:
    """Where the in-DuckDB wall time goes, from the median run's SQLAlchemy events."""
    prof, wall = summary["sql_profile"], summary["sql_wall_s"]
    lines = [
        f"Where GX in DuckDB spends its time (median run, {wall:.2f} s):",
        "",
        "| part | queries | seconds | share |",
        "|---|---:|---:|---:|",
    ]
    kinds = sorted(prof["by_kind"].items(), key=lambda kv: -kv[1]["s"])
    for kind, k in kinds:
        lines.append(f"| SQL: {kind} | {k['queries']} | {k['s']:.2f} | {k['s'] / wall:.0%} |")
    connect_s = prof.get("connect_s", 0.0)
    outside = wall - prof["sql_s"] - connect_s
    lines += [
        f"| opening DuckDB connections (NullPool: one per query) | {prof['connects']} "
        f"| {connect_s:.2f} | {connect_s / wall:.0%} |",
        f"| GX context, planning, results and Python outside SQL | - | {outside:.2f} "
        f"| {outside / wall:.0%} |",
    ]
    return lines


@click.command()
@click.option(
    "--rows",
    "sizes",
    type=click.IntRange(min=1000),
    multiple=True,
    default=(1_000_000, 10_000_000),
    show_default=True,
    help="Table size in rows; repeat for several sizes.",
)
@click.option("--repeats", type=click.IntRange(min=1), default=3, show_default=True)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the DuckDB files go (default: a temporary folder, removed afterwards).",
)
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--method",
    "only",
    type=click.Choice([m.key for m in METHODS]),
    multiple=True,
    help="Run only these methods (default: all, including the extra regex row).",
)
@click.option("--regex/--no-regex", default=True, show_default=True, help="The extra regex row.")
@click.option("--show-floor-sql", is_flag=True, help="Print the hand-written floor query.")
@click.option("--child", type=click.Choice(list(RUNNERS)), hidden=True)
@click.option("--db", hidden=True)
def main(sizes, repeats, workdir, json_out, only, regex, show_floor_sql, child, db) -> None:
    """Time GX-on-pandas, GX-in-DuckDB and a hand-written DuckDB scan on the same suite."""
    if child:
        child_main(child, db)
        return
    if show_floor_sql:
        click.echo(floor_sql())
        return
    methods = [m for m in METHODS if (not only or m.key in only) and (regex or not m.extra)]
    with tempfile.TemporaryDirectory(prefix="dq-validation-bench-") as tmp:
        root = Path(workdir) if workdir else Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        report = _run_all(root, sorted(set(sizes)), repeats, methods, keep=workdir is not None)
    click.echo("\n".join(report["lines"]))
    if json_out:
        json_out.write_text(json.dumps(report["json"], indent=2, default=str))
        _log(f"wrote {json_out}")


def _environment() -> dict[str, Any]:
    import duckdb

    versions = {"python": platform.python_version(), "duckdb": duckdb.__version__}
    for name in ("great_expectations", "pandas", "sqlalchemy", "duckdb_engine"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return {"cpus": os.cpu_count(), "load_avg_start": os.getloadavg(), "versions": versions}


def _run_all(
    root: Path, sizes: list[int], repeats: int, methods: list[Method], keep: bool
) -> dict[str, Any]:
    env = _environment()
    results: dict[str, Any] = {"environment": env, "repeats": repeats, "sizes": {}}
    lines = [
        "## Validation benchmark",
        "",
        f"{env['cpus']} CPUs, load average at start {env['load_avg_start'][0]:.2f}; "
        + ", ".join(f"{k} {v}" for k, v in env["versions"].items()),
        "",
    ]
    started = time.perf_counter()
    for rows in sizes:
        db = root / f"{TABLE}_{rows}.duckdb"
        _log(f"[{rows:,} rows] generating {db} ...")
        gen_s = generate_table(db, rows)
        _log(f"[{rows:,} rows] generated in {gen_s:.1f} s")
        runs: dict[str, list[dict[str, Any]]] = {m.key: [] for m in methods}
        for i in range(repeats):
            for m in methods:  # interleaved, so background noise spreads over all methods
                _log(f"[{rows:,} rows] {m.key} repeat {i + 1}/{repeats} ...")
                r = run_child(m.key, db)
                runs[m.key].append(r)
                _log(
                    f"[{rows:,} rows] {m.key} repeat {i + 1}/{repeats}: {r['wall_s']:.2f} s, "
                    f"peak RSS {r['peak_rss_mib']:,.0f} MiB"
                )
        summaries = {k: summarize(v, rows) for k, v in runs.items()}
        lines += [*render_size(rows, gen_s, summaries), ""]
        for d in compare_outcomes(summaries):
            _log(d)
        results["sizes"][str(rows)] = {
            "generate_s": gen_s,
            "methods": summaries,
            "runs": runs,
            "ratios": ratios(summaries, rows),
            "disagreements": compare_outcomes(summaries),
        }
        if not keep:
            db.unlink(missing_ok=True)
    env["load_avg_end"] = os.getloadavg()
    env["total_s"] = time.perf_counter() - started
    lines.append(
        f"Total {env['total_s']:.0f} s; load average at end {env['load_avg_end'][0]:.2f} "
        "(other processes on the machine add noise; compare ratios within one run)."
    )
    return {"lines": lines, "json": results}


if __name__ == "__main__":
    main()
