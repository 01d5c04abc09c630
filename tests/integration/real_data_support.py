"""Real public data as example sources: the vega_datasets CSVs, onboarded with files only.

`real_data/contracts/*.yaml` and `real_data/suites/*.json` are the whole onboarding: no Python
in the package knows these sources. `project_dirs` lays them beside the reference project's own
files in a temporary folder (the reference project supplies the training set every project must
have). The `weather_station` source is a hand-made copy of seattle-weather as a station export
spells it (spaced column names with units, yyyy/mm/dd dates, `NA` for a missing reading); its
bad deliveries are built here, each from real rows, so a test knows exactly what it delivered.
"""

import calendar
import csv
import importlib.resources
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from dq_pipelines import layout

HERE = Path(__file__).parent / "real_data"
VEGA_DATA = importlib.resources.files("vega_datasets") / "_data"
STATION = "weather_station"
STATION_COLUMNS = (
    "Date Sampled",
    "Precipitation (mm)",
    "Max Temp (°C)",
    "Min Temp (°C)",
    "Wind Speed (m/s)",
    "Weather",
)
ROWS_PER_DELIVERY = 300


def vega_csv(name: str) -> str:
    """A CSV bundled in the installed vega_datasets wheel (no network)."""
    return (VEGA_DATA / name).read_text(encoding="utf-8")


def project_dirs(root: Path) -> tuple[Path, Path]:
    """Contracts and suites folders: the reference project's plus the real-data sources'."""
    contracts, suites = root / "contracts", root / "suites"
    shutil.copytree(layout.CONTRACTS_DIR, contracts)
    shutil.copytree(layout.SUITES_DIR, suites)
    for path in (HERE / "contracts").iterdir():
        shutil.copy(path, contracts / path.name)
    for path in (HERE / "suites").iterdir():
        shutil.copy(path, suites / path.name)
    return contracts, suites


def land(landing: Path, source: str, day: date, name: str, content: bytes) -> Path:
    path = landing / source / str(day) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def seattle_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(vega_csv("seattle-weather.csv"))))


def station_rows(start: int, count: int = ROWS_PER_DELIVERY) -> list[dict[str, str]]:
    """`count` days of seattle-weather from `start`, as the station writes them: a reading the
    station missed is `NA` (every 17th precipitation, every 23rd wind speed)."""
    rows = []
    for i, row in enumerate(seattle_rows()[start : start + count], start=start):
        rows.append(
            {
                "Date Sampled": row["date"],  # already yyyy/mm/dd in vega_datasets 0.9.0
                "Precipitation (mm)": "NA" if i % 17 == 0 else row["precipitation"],
                "Max Temp (°C)": row["temp_max"],
                "Min Temp (°C)": row["temp_min"],
                "Wind Speed (m/s)": "NA" if i % 23 == 0 else row["wind"],
                "Weather": row["weather"],
            }
        )
    return rows


def to_csv(rows: list[dict[str, str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def na_cells(rows: list[dict[str, str]], column: str) -> int:
    return sum(r[column] == "NA" for r in rows)


@dataclass(frozen=True)
class Expected:
    """What the issue asks a delivery to end as."""

    status: str  # the manifest status of its arrival
    reason_has: tuple[str, ...] = ()  # each must appear in the recorded reason
    published: int | None = None  # None: nothing of it published (archived whole)
    quarantined: int = 0


@dataclass(frozen=True)
class BadDelivery:
    name: str
    content: bytes
    delivered_rows: int  # data rows in the file as the source wrote them
    expected: Expected
    file_name: str = "readings.csv"


def _with(rows: list[dict[str, str]], column: str, value: Callable[[str], str]):
    return [{**r, column: value(r[column])} for r in rows]


def _epoch(text: str) -> str:
    return str(calendar.timegm(datetime.strptime(text, "%Y/%m/%d").timetuple()))


def _ddmmyyyy(text: str) -> str:
    return datetime.strptime(text, "%Y/%m/%d").strftime("%d/%m/%Y")


def _renamed(rows: list[dict[str, str]], old: str, new: str) -> list[dict[str, str]]:
    return [{(new if k == old else k): v for k, v in r.items()} for r in rows]


def _three_percent_bad(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """9 of 300 rows broken three ways a contract can say: a unit in a double, a weather the
    contract does not list, a temperature below the contract's min."""
    rows = [dict(r) for r in rows]
    for i in (10, 110, 210):
        rows[i]["Max Temp (°C)"] += " °C"
        rows[i + 1]["Weather"] = "hail"
        rows[i + 2]["Min Temp (°C)"] = "-99.0"
    return rows


def _slice(case: int) -> list[dict[str, str]]:
    return station_rows(start=40 * (case + 1))


def _text_delivery(name: str, rows: list[dict[str, str]], expected: Expected) -> BadDelivery:
    return BadDelivery(name, to_csv(rows).encode(), len(rows), expected)


def bad_deliveries(first_delivery: bytes) -> list[BadDelivery]:
    """The issue's bad deliveries of weather_station, in the order they are dropped."""
    header = ",".join(STATION_COLUMNS) + "\n"
    comma_decimals = [
        {k: v.replace(".", ",") if k != "Date Sampled" else v for k, v in r.items()}
        for r in _slice(3)
    ]
    full = to_csv(_slice(6))
    truncated = full[: int(len(full) * 0.6)].rstrip("\n")
    truncated = truncated if not truncated.endswith(",") else truncated[:-1]
    utf16 = _slice(8)
    return [
        _text_delivery(
            "date as epoch seconds",
            _with(_slice(0), "Date Sampled", _epoch),
            Expected("held", ("Date Sampled", "epoch")),
        ),
        _text_delivery(
            "date as dd/mm/yyyy",
            _with(_slice(1), "Date Sampled", _ddmmyyyy),
            Expected("held", ("Date Sampled", "dd/mm/yyyy")),
        ),
        _text_delivery(
            "renamed column",
            _renamed(_slice(2), "Wind Speed (m/s)", "Wind Speed (km/h)"),
            Expected("rejected", ("Wind Speed (m/s)", "Wind Speed (km/h)", "renamed")),
        ),
        BadDelivery(
            "semicolons, decimal commas",
            to_csv(comma_decimals, delimiter=";").encode(),
            len(comma_decimals),
            Expected("rejected", ("delimiter", "';'")),
        ),
        _text_delivery(
            "extra and retyped column",
            [
                {**r, "Max Temp (°C)": f"{r['Max Temp (°C)']} °C", "Humidity (%)": "80"}
                for r in _slice(4)
            ],
            Expected("held", ("Max Temp (°C)", "double", "Humidity (%)")),
        ),
        BadDelivery(
            "truncated",
            truncated.encode(),
            truncated.count("\n"),
            Expected("rejected", ("truncated",)),
        ),
        BadDelivery("empty", b"", 0, Expected("rejected", ("empty",))),
        BadDelivery("header only", header.encode(), 0, Expected("rejected", ("no data rows",))),
        BadDelivery(
            "UTF-16",
            to_csv(utf16).encode("utf-16"),
            len(utf16),
            Expected("rejected", ("UTF-16", "encoding")),
        ),
        BadDelivery(
            "binary garbage",
            bytes(range(256)) * 40,
            0,
            Expected("rejected", ("binary",)),
        ),
        BadDelivery(
            "byte-identical re-delivery",
            first_delivery,
            first_delivery.count(b"\n") - 1,
            Expected("duplicate"),
            file_name="readings_resent.csv",
        ),
        _text_delivery(
            "3% bad rows",
            _three_percent_bad(_slice(9)),
            Expected("loaded", published=ROWS_PER_DELIVERY - 9, quarantined=9),
        ),
    ]
