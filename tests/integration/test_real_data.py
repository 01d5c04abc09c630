"""Real public data onboarded with files only, then its bad deliveries dropped one by one.

Three example sources (tests/integration/real_data/): vega_datasets' `stocks` and
`seattle-weather`, and `weather_station`, a hand-made copy of seattle-weather with spaced column
names, yyyy/mm/dd dates and `NA` markers. One warehouse and one Dagster instance serve the whole
module: the good deliveries load in one run, then each bad delivery of weather_station is
dropped into the landing folder and loaded by a run of that raw asset alone (with its checks).
Each case is its own test, so what main does not do yet is an xfail of that case only.
`pytest -s` prints the per-delivery table.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest
from real_data_support import (
    STATION,
    STATION_COLUMNS,
    BadDelivery,
    bad_deliveries,
    land,
    na_cells,
    project_dirs,
    seattle_rows,
    station_rows,
    to_csv,
    vega_csv,
)

from dq_pipelines import layout
from dq_pipelines.declared.project import load_project

pytestmark = pytest.mark.slow
FIRST_DAY = date(2026, 3, 2)
SEATTLE_SLICE = slice(0, 365)  # 2012: a few hundred rows are enough


@dataclass(frozen=True)
class Arrival:
    """What became of one delivery, read from the records right after its run."""

    delivery: str
    day: date
    delivered: int
    statuses: tuple[str, ...]  # of its manifest rows (one per arrival once the manifest has it)
    reason: str
    load_id: str | None
    published: int
    quarantined: int
    archived_whole: bool  # the archive holds exactly the delivered bytes
    checks: dict[str, dg.AssetCheckEvaluation]
    run_success: bool

    @property
    def said(self) -> str:
        """Everything a person is told about it: the recorded reason and the failed checks."""
        failed = [f"{n}: {_said(e)}" for n, e in self.checks.items() if not e.passed]
        return "\n".join([self.reason, *failed])

    @property
    def status(self) -> str:
        return self.statuses[-1] if self.statuses else "(no record)"


@dataclass(frozen=True)
class RealRun:
    warehouse: object
    good: dict[str, Arrival]
    station_rows: list[dict[str, str]]
    bad: dict[str, Arrival]
    cases: dict[str, BadDelivery]


def _env(monkeypatch: pytest.MonkeyPatch, root: Path) -> Path:
    for name, sub in [
        ("DQ_DUCKDB_PATH", "warehouse.duckdb"),
        ("DQ_LANDING_DIR", "landing"),
        ("DQ_ARTIFACTS_DIR", "artifacts"),
        ("DQ_ARCHIVE_DIR", "archive"),
    ]:
        monkeypatch.setenv(name, str(root / sub))
    monkeypatch.setenv("DQ_DAGSTER_URL", "http://dagster.test")
    for name in ("DQ_SLACK_WEBHOOK_URL", "DQ_SLACK_BOT_TOKEN", "DQ_SLACK_CHANNEL"):
        monkeypatch.delenv(name, raising=False)
    contracts, suites = project_dirs(root / "project")
    monkeypatch.setattr(layout, "CONTRACTS_DIR", contracts)
    monkeypatch.setattr(layout, "SUITES_DIR", suites)
    return root / "landing"


def _run(defs: dg.Definitions, instance: dg.DagsterInstance, sources: dict[str, date]):
    """One run of the raw assets of `sources` (with their checks), each on its given date."""
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=instance,
        asset_selection=[dg.AssetKey(f"raw_{s}") for s in sources],
        run_config={
            "ops": {f"raw_{s}": {"config": {"delivery_date": str(d)}} for s, d in sources.items()}
        },
        raise_on_error=False,
    )


def _arrival(warehouse, result, source: str, day: date, name: str, content: bytes, rows: int):
    manifest = warehouse.query(
        "select status, coalesce(reason, '') as reason, load_id, archive_path from dq_manifest "
        "where source = ? and delivery_date = ? order by arrived_at",
        [source, day],
    )
    load_id = manifest["load_id"].iloc[-1] if len(manifest) else None
    asset = f"raw_{source}"

    def count(sql: str) -> int:
        return int(warehouse.query(sql, [load_id]).iloc[0, 0]) if load_id else 0

    return Arrival(
        delivery=name,
        day=day,
        delivered=rows,
        statuses=tuple(manifest["status"]),
        reason=" | ".join(r for r in manifest["reason"] if r),
        load_id=load_id,
        published=count(f"select count(*) from {asset} where _load_id = ?"),
        quarantined=count(
            f"select count(*) from dq_quarantine where asset = '{asset}' and load_id = ?"
        ),
        archived_whole=any(Path(p).read_bytes() == content for p in manifest["archive_path"]),
        checks={
            e.check_name: e
            for e in result.get_asset_check_evaluations()
            if e.asset_key.to_user_string() == asset
        },
        run_success=result.success,
    )


def _said(check: dg.AssetCheckEvaluation) -> str:
    said = check.metadata.get("description")
    return str(said.value) if said is not None else check.description or ""


def _table(arrivals: list[Arrival]) -> str:
    head = f"{'delivery':<28} {'status':<10} {'deliv':>5} {'publ':>5} {'quar':>5}  reason"
    lines = [head, "-" * len(head)]
    for a in arrivals:
        reason = a.reason.replace("\n", " ")
        failed = [f"{n}: {_said(e)}" for n, e in a.checks.items() if not e.passed]
        lines.append(
            f"{a.delivery:<28} {a.status:<10} {a.delivered:>5} {a.published:>5} "
            f"{a.quarantined:>5}  {reason[:160]}"
        )
        lines += [f"{'':<30}failed check {f[:200]}" for f in failed]
    return "\n".join(lines)


@pytest.fixture(scope="session")
def real(tmp_path_factory: pytest.TempPathFactory) -> RealRun:
    """Every delivery run once per xdist worker (module scope would rebuild it each time a
    worksteal worker comes back to this module); the project is patched only while building."""
    root = tmp_path_factory.mktemp("real_data")
    with pytest.MonkeyPatch.context() as monkeypatch:
        landing = _env(monkeypatch, root)
        load_project.cache_clear()
        from dq_pipelines.definitions import defs as load_defs
        from dq_pipelines.defs.resources import build_resources

        defs = load_defs()
        with (
            dg.build_resources({"duckdb": build_resources()["duckdb"]}) as built,
            dg.DagsterInstance.ephemeral() as instance,
        ):
            warehouse = built.duckdb
            stocks = vega_csv("stocks.csv").encode()
            seattle = to_csv(seattle_rows()[SEATTLE_SLICE]).encode()
            rows = station_rows(start=0)
            station = to_csv(rows).encode()
            good = {
                "stocks": ("stocks.csv", stocks, len(vega_csv("stocks.csv").splitlines()) - 1),
                "seattle_weather": ("seattle-weather.csv", seattle, 365),
                STATION: ("readings.csv", station, len(rows)),
            }
            for source, (name, content, _) in good.items():
                land(landing, source, FIRST_DAY, name, content)
            result = _run(defs, instance, dict.fromkeys(good, FIRST_DAY))
            arrivals = {
                s: _arrival(warehouse, result, s, FIRST_DAY, f"{s} (good)", c, n)
                for s, (_, c, n) in good.items()
            }
            cases = {c.name: c for c in bad_deliveries(station)}
            bad = {}
            for i, case in enumerate(cases.values(), start=1):
                day = FIRST_DAY + timedelta(days=i)
                land(landing, STATION, day, case.file_name, case.content)
                result = _run(defs, instance, {STATION: day})
                bad[case.name] = _arrival(
                    warehouse, result, STATION, day, case.name, case.content, case.delivered_rows
                )
            print("\n" + _table([*arrivals.values(), *bad.values()]))
    load_project.cache_clear()
    return RealRun(warehouse, arrivals, rows, bad, cases)


@pytest.mark.parametrize("source", ["stocks", "seattle_weather", STATION])
def test_a_real_source_onboarded_with_files_only_loads_cleanly(real: RealRun, source: str):
    arrival = real.good[source]
    assert arrival.run_success, arrival
    assert arrival.status == "loaded", arrival.reason
    assert arrival.published == arrival.delivered > 100, arrival
    assert arrival.quarantined == 0 and arrival.archived_whole
    failed = {n: _said(e) for n, e in arrival.checks.items() if not e.passed}
    assert not failed, failed


def test_awkward_column_names_get_their_checks_from_the_files_alone(real: RealRun):
    checks = real.good[STATION].checks
    # A spaced date column with a strftime format, and a suite expectation on a column named
    # with spaces, parentheses and a degree sign: no meta.check_name anywhere.
    assert checks["date_sampled__format"].passed
    assert checks["max_temp_c__unique_value_count_between"].passed
    assert real.good["stocks"].checks["date__format"].passed  # "Jan 1 2000" as "%b %d %Y"


@pytest.mark.xfail(
    strict=True,
    reason="the good load's rows are no longer in raw_weather_station: later deliveries of this "
    "snapshot source replaced them (types and NA -> NULL: tests/unit/test_typed_raw.py)",
)
def test_raw_tables_carry_the_declared_types_and_na_is_missing(real: RealRun):
    types = dict(
        real.warehouse.query(
            "select table_name || '.' || column_name, data_type "
            "from information_schema.columns where table_schema = 'main' "
            "and table_name in ('raw_stocks', 'raw_weather_station')"
        ).itertuples(index=False)
    )
    assert types["raw_stocks.price"] == "DOUBLE"
    assert types["raw_stocks.date"] == "DATE"
    assert types["raw_weather_station.Max Temp (°C)"] == "DOUBLE"
    assert types["raw_weather_station.Date Sampled"] == "DATE"
    nulls = real.warehouse.query(
        'select count(*) filter ("Precipitation (mm)" is null) as p, '
        'count(*) filter ("Wind Speed (m/s)" is null) as w from raw_weather_station '
        "where _load_id = ?",
        [real.good[STATION].load_id],
    ).iloc[0]
    assert nulls["p"] == na_cells(real.station_rows, "Precipitation (mm)") > 0
    assert nulls["w"] == na_cells(real.station_rows, "Wind Speed (m/s)") > 0


def test_the_contract_generates_a_check_for_each_declared_rule(real: RealRun):
    names = set(real.good[STATION].checks)
    stems = [
        "date_sampled",
        "precipitation_mm",
        "max_temp_c",
        "min_temp_c",
        "wind_speed_m_s",
        "weather",
    ]
    # every declared column that is not text has a type check (a text value always fits),
    # and the declared rules their own checks
    for stem in stems[:-1]:  # weather is varchar
        assert any(n.startswith(stem) and "type" in n for n in names), (stem, sorted(names))
    for stem, rule in [
        ("max_temp_c", "not_null"),
        ("weather", "in_set"),
        ("min_temp_c", "between"),
        ("date_sampled", "unique"),
    ]:
        assert any(n.startswith(stem) and rule in n for n in names), (stem, rule, sorted(names))
    assert all(e.passed for e in real.good[STATION].checks.values())


# What main lacks for each bad delivery (an xfail of that case; flip when it merges).
MISSING: dict[str, str] = {}
CASES = [
    "date as epoch seconds",
    "date as dd/mm/yyyy",
    "renamed column",
    "semicolons, decimal commas",
    "extra and retyped column",
    "truncated",
    "empty",
    "header only",
    "UTF-16",
    "binary garbage",
    "byte-identical re-delivery",
    "3% bad rows",
]
_INTERNALS = ("/archive/", "duckdb", "sniff", "read_csv")


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=MISSING[c]))
        if c in MISSING
        else c
        for c in CASES
    ],
)
def test_a_bad_delivery_is_diagnosed_by_name_and_no_row_is_lost(real: RealRun, case: str):
    arrival, expected = real.bad[case], real.cases[case].expected
    assert arrival.status == expected.status, (arrival.statuses, arrival.reason)
    for words in expected.reason_has:
        assert words in arrival.said, f"{words!r} not said: {arrival.said}"
    leaked = [w for w in _INTERNALS if w in arrival.said.lower()]
    assert not leaked, f"internals {leaked} in a user-facing message: {arrival.said}"
    if expected.status == "held":  # held: nothing published, every staged row quarantined
        assert (arrival.published, arrival.quarantined) == (0, arrival.delivered), arrival
    elif expected.status == "duplicate":  # recorded as a repeat of the first load, not loaded
        assert arrival.load_id == real.good[STATION].load_id, arrival
        assert arrival.archived_whole, "the delivered bytes are not in the archive"
    elif expected.published is None:  # rejected: nothing of it published
        assert arrival.published == arrival.quarantined == 0, arrival
        assert arrival.archived_whole, "the delivered bytes are not in the archive"
    else:
        assert (arrival.published, arrival.quarantined) == (
            expected.published,
            expected.quarantined,
        ), arrival
        assert arrival.delivered == arrival.published + arrival.quarantined


def test_a_redelivery_keeps_the_first_arrivals_record(real: RealRun):
    first = real.warehouse.query(
        "select original_name from dq_manifest where source = ? and delivery_date = ?",
        [STATION, FIRST_DAY],
    )
    assert list(first["original_name"]) == ["readings.csv"], "the first arrival's record is gone"


def test_every_delivery_was_dropped_in_order(real: RealRun):
    assert list(real.bad) == CASES
    assert set(STATION_COLUMNS) == set(real.station_rows[0])


def test_the_schema_change_check_compares_columns_even_around_unreadable_deliveries(
    real: RealRun,
):
    """Issue 10 finding 6: after (or on) a delivery whose header could not be read, Dagster's
    column_schema_change said only "Latest/Previous materialization has no column schema
    metadata"; the table keeps the last parsed delivery's columns, so it compares those."""
    vague = {
        case: _said(e)
        for case, arrival in real.bad.items()
        for name, e in arrival.checks.items()
        if name == "column_schema_change" and "no column schema metadata" in _said(e)
    }
    assert not vague, vague
    extra = real.bad["extra and retyped column"].checks["column_schema_change"]
    assert "Humidity (%)" in _said(extra)  # the new column, named
