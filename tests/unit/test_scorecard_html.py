"""The scorecard page: real charts, no outside URL, every value escaped, and an empty warehouse."""

import re

import duckdb
import pytest
from scorecard_rows import T0, add_history, add_records, add_results, result

from dq_pipelines.declared.project import load_project
from dq_pipelines.report import svg
from dq_pipelines.report.scorecard import read_scorecard
from dq_pipelines.report.scorecard_html import NO_RUNS, render
from dq_pipelines.storage.ops_tables import ensure_ops_tables

SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
PATH_D = re.compile(r'<path d="([^"]*)"')
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


@pytest.fixture
def conn():
    with duckdb.connect(":memory:") as c:
        ensure_ops_tables(c)
        yield c


def _page(conn, dagster_url: str | None = "http://dagster.test") -> str:
    return render(read_scorecard(conn, load_project(), 20, T0), dagster_url)


def _drawn(chart: str) -> list[str]:
    """The chart's data paths (not the grid lines, which run straight across: `M.. H..`)."""
    return [
        d for d in PATH_D.findall(chart) if d.strip() and not re.fullmatch(r"M[\d. ]+H[\d.]+", d)
    ]


def test_every_chart_is_an_svg_that_draws_its_data(conn):
    add_history(conn)
    add_records(conn)
    page = _page(conn)
    charts = SVG.findall(page)
    # 2 sources + 4 assets (pass rate), 2 trends (sparklines), 1 model metric (bars), and
    # accuracy by version (a key metric of the promotion rules; macro_f1, never measured in
    # these rows, draws no chart).
    assert len(charts) == 10
    assert "category_model accuracy by version" in page
    assert "category_model macro_f1 by version" not in page
    for chart in charts:
        assert _drawn(chart), f"a chart draws nothing: {chart[:200]}"
    assert page.count("<circle") >= 6 * 2  # a dot per run on each pass-rate chart
    for section in (
        "Pass rate by source",
        "Worst expectations",
        "Trends of unexpected values",
        "Freshness",
        "Blocked and held",
        "Open quarantine",
        "Label review queue",
        "Current models",
    ):
        assert f"<h2>{section}</h2>" in page
    assert NO_RUNS not in page


def test_the_page_says_what_was_blocked_held_and_late(conn):
    add_history(conn)
    add_records(conn)
    page = _page(conn)
    assert "labels__missing, labels__suspicious" in page
    assert "stg_catalog.title__not_null" in page and "2 of 16 rows fail" in page
    assert '<span class="bad">late</span>' in page  # catalog: its 3 Nov delivery was held
    assert "recall per label" in page and "0.910" in page  # the v2 model's accuracy


def test_the_page_links_nowhere_but_the_dagster_ui(conn):
    add_history(conn)
    add_records(conn)
    page = _page(conn)
    urls = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', page)
    assert urls and all(u.startswith("http://dagster.test/runs/") for u in urls)
    assert not re.search(r"\b(?:src|href)\s*=\s*['\"]?(?!http://dagster\.test/)\w+://", page)
    assert "<script" not in page and "@import" not in page and "url(" not in page
    # Without a Dagster URL, or with one that is not http(s), runs are shown but not linked.
    for url in (None, "javascript:alert(1)"):
        assert "href=" not in _page(conn, url)


def test_a_hostile_check_name_is_shown_as_text(conn):
    add_results(
        conn,
        [result(run, HOSTILE, HOSTILE, "failed", 3.0 + run, blocked_by=None) for run in range(2)]
        + [result(1, "training_set", "x", "blocked", blocked_by=[HOSTILE])],
    )
    page = _page(conn)
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x" in page
    for chart in SVG.findall(page):
        assert "<img" not in chart


def test_an_empty_warehouse_says_no_runs_yet_in_each_section(conn):
    page = _page(conn)
    assert "<svg" not in page
    assert page.count(NO_RUNS) == 3  # the pass-rate sections and the trends
    for empty in (
        "No check has failed.",
        "No runs yet: nothing delivered.",
        "Nothing was blocked.",
        "No row is in quarantine.",
        "Nothing awaits review.",
        "No model trained yet.",
    ):
        assert empty in page
    assert page.count('class="empty"') == 9  # every section but the tiles


def test_a_line_chart_breaks_at_a_run_without_a_rate_and_marks_it():
    points = [svg.Point(1.0, "a"), svg.Point(None, "b"), svg.Point(0.5, "c"), svg.Point(0.25, "d")]
    chart = svg.line_chart(points, "x")
    (line,) = [d for d in _drawn(chart) if "L" in d or d.count("M") > 1]
    assert line.count("M") == 2 and line.count("L") == 1  # a gap at the blocked run
    # Three dots, and at the run without a rate a grey dashed line and a hollow dot.
    assert chart.count("<circle") == 4 and chart.count('fill="#fff"') == 1
    assert re.search(
        r'<title>b</title><path d="M[\d.]+ [\d.]+ V[\d.]+"[^>]*stroke-dasharray', chart
    )


def test_a_single_value_sparkline_and_bars_draw_something():
    assert _drawn(svg.sparkline([2.0], "one"))
    bars = svg.bar_chart([("lamps", 0.9), ("<b>", 0.1)], "bars")
    assert len(_drawn(bars)) == 2 and "&lt;b&gt;" in bars
    assert _drawn(svg.line_chart([svg.Point(0.5, "the first run")], "one run"))
    with pytest.raises(ValueError, match="at least one value"):
        svg.sparkline([], "none")


def test_a_long_description_is_cut_in_the_table_and_whole_in_its_tooltip(conn):
    long = result(0, "raw_catalog", "c", "failed", 1.0) | {"description": "x" * 400}
    add_results(conn, [long])
    page = _page(conn)
    assert f'title="{"x" * 400}">{"x" * 179}\u2026</div>' in page
