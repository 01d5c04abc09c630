"""The UI as a person uses it: the demo's deliveries, the real Dagster UI and headless Chromium.

The demo (300 products) and the server are those of every served test (conftest.py). Each page
is saved as a screenshot under $DQ_TEST_ARTIFACTS (default test-artifacts/). The browser is the
distribution's chromium, driven by Playwright; Playwright's own browser download is never used.
If Chromium cannot start, the test fails and says why: it does not skip.
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from demo_state import DemoRuns

from dq_pipelines.layout import PROJECT_ROOT

pytestmark = [pytest.mark.served, pytest.mark.smoke, pytest.mark.slow, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
WAIT_MS = 60_000  # the UI's first load compiles the code location's snapshot


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("DQ_TEST_ARTIFACTS") or PROJECT_ROOT / "test-artifacts")
    folder = folder / "ui_browser"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@contextmanager
def chromium_page(profile: Path, executable: str = CHROMIUM) -> Iterator:
    """A headless Chromium page with a fresh profile; fails (never skips) if it cannot start."""
    from playwright.sync_api import Error, sync_playwright

    if not Path(executable).exists():
        pytest.fail(f"{executable} is missing: install the distribution's chromium package")
    with sync_playwright() as p:
        try:
            context = p.chromium.launch_persistent_context(
                str(profile), executable_path=executable, args=CHROMIUM_ARGS, viewport=VIEWPORT
            )
        except Error as e:
            pytest.fail(f"Chromium ({executable}) could not start: {e}")
        try:
            yield context.new_page()
        finally:
            context.close()


@pytest.fixture
def page(tmp_path: Path) -> Iterator:
    """Per test: two Playwright sync sessions cannot be open at once in one process."""
    with chromium_page(tmp_path / "chromium-profile") as page:
        yield page


def _shot(page, artifacts: Path, name: str) -> None:
    page.wait_for_load_state("networkidle")
    # Transitions finished first: a dialog shot while fading in showed the page through it.
    page.screenshot(path=artifacts / f"{name}.png", animations="disabled")


def _asset_statuses(response) -> bool:
    """The graph's query for its assets' latest runs and checks (their colours)."""
    return "AssetGraphLiveQuery" in (response.request.post_data or "")


def asset_graph(page, ui: str, artifacts: Path) -> None:
    """The whole pipeline after the faulty delivery, every group expanded."""
    page.goto(f"{ui}/asset-groups")
    page.get_by_text("Global asset lineage").wait_for()
    page.get_by_text("ingest", exact=True).last.wait_for()
    page.wait_for_load_state("networkidle")
    assets = page.get_by_text("training_set", exact=True)
    if not assets.count():  # groups collapsed: the graph's "Expand all groups" (a toggle)
        with page.expect_response(_asset_statuses):  # the nodes' colours come after
            page.keyboard.press("Alt+KeyE")
    assets.last.wait_for()
    page.wait_for_timeout(1_000)  # the statuses drawn
    _shot(page, artifacts, "1_asset_graph")


def failed_check(page, ui: str, artifacts: Path) -> None:
    """raw_catalog's updated_at__type: failed, its metadata in words, then its history."""
    page.goto(f"{ui}/assets/raw_catalog?view=checks&checkDetail=updated_at__type")
    page.get_by_text("unexpected_percent").first.wait_for()
    assert page.get_by_text("Failed", exact=True).first.is_visible()
    _shot(page, artifacts, "2_failed_check")
    page.get_by_text("Execution history").click()
    latest = page.locator("tbody tr").first
    latest.get_by_text("Failed", exact=True).wait_for()
    latest.locator("button").last.click()  # the row's "View metadata"
    page.get_by_role("dialog").get_by_text("unexpected_count").wait_for()
    _shot(page, artifacts, "3_failed_check_history_metadata")
    page.keyboard.press("Escape")


def blocked_training_set(page, ui: str, artifacts: Path) -> None:
    """training_set did not run: its events say what blocked it, its checks read Skipped."""
    page.goto(f"{ui}/assets/training_set?view=events")
    page.get_by_text("BLOCKED, not rebuilt in this run", exact=False).first.wait_for()
    body = page.inner_text("body")
    assert "raw_catalog:updated_at__type" in body and "blocked_by_asset" in body
    _shot(page, artifacts, "4_blocked_training_set")
    page.goto(f"{ui}/assets/training_set?view=checks")
    page.get_by_text("labels__missing").first.wait_for()
    page.get_by_text("Skipped", exact=True).first.wait_for()
    assert "Execution failed" not in page.inner_text("body")
    _shot(page, artifacts, "5_blocked_checks")


def faulty_run(page, ui: str, run_id: str, artifacts: Path) -> None:
    """The faulty run's page: its dq/ tags say what happened, in words."""
    page.goto(f"{ui}/runs/{run_id}")
    page.get_by_text("View tags and config").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("dq/outcome").wait_for()
    text = dialog.inner_text()
    assert "dq/summary" in text and "dq/blocked" in text
    assert "raw_catalog:updated_at__type (ERROR, blocking)" in text
    _shot(page, artifacts, "6_faulty_run_tags")
    page.keyboard.press("Escape")


def scorecard(page, path: Path, artifacts: Path) -> None:
    """The scorecard page: its charts are drawn (inline SVG with paths, measured in the DOM)."""
    page.goto(path.as_uri())
    page.get_by_text("Data quality scorecard").wait_for()
    charts = page.eval_on_selector_all(
        "svg",
        """svgs => svgs.map(s => ({
            width: s.getBoundingClientRect().width,
            height: s.getBoundingClientRect().height,
            paths: [...s.querySelectorAll('path')].filter(p => p.getTotalLength() > 0).length,
        }))""",
    )
    drawn = [c for c in charts if c["width"] > 50 and c["height"] > 20 and c["paths"] > 0]
    assert len(drawn) >= 4, charts  # a pass-rate chart per source at least
    _shot(page, artifacts, "7_scorecard")


def test_a_person_sees_what_failed_what_it_blocked_and_the_scorecard(
    ui: str, demo_runs: DemoRuns, faulty_run_id: str, page, artifacts: Path
):
    page.set_default_timeout(WAIT_MS)
    asset_graph(page, ui, artifacts)
    failed_check(page, ui, artifacts)
    blocked_training_set(page, ui, artifacts)
    faulty_run(page, ui, faulty_run_id, artifacts)
    scorecard(page, demo_runs.folder / "reports" / "scorecard.html", artifacts)


def test_a_browser_that_cannot_start_fails_the_test_saying_why(tmp_path):
    missing = str(tmp_path / "no-chromium")
    with (
        pytest.raises(pytest.fail.Exception, match="is missing: install"),
        chromium_page(tmp_path / "profile", missing),
    ):
        pass
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n")
    broken.chmod(0o755)
    with (
        pytest.raises(pytest.fail.Exception, match=r"could not start(.|\n)*cannot open display"),
        chromium_page(tmp_path / "profile", str(broken)),
    ):
        pass
