"""The publish-quarantine-hold decision and how checks report it (pure logic)."""

import pytest

from dq_pipelines.lib.publish import HELD, PARTIAL, PUBLISHED, Publication, as_reported, decide
from dq_pipelines.lib.validation import CheckOutcome


def test_nothing_failed_publishes_everything():
    assert decide([], set(), 0, 100, 0.01).status == PUBLISHED


@pytest.mark.parametrize(
    ("failing", "max_share", "status"),
    [(1, 0.01, PARTIAL), (10, 0.1, PARTIAL), (2, 0.01, HELD), (1, 0.0, HELD)],
)
def test_row_level_failures_are_quarantined_up_to_the_share(failing, max_share, status):
    decision = decide(["title__not_null"], {"title__not_null"}, failing, 100, max_share)
    assert decision.status == status
    assert f"{failing} of 100 rows" in decision.reason


def test_a_statement_about_the_whole_table_holds_the_delivery():
    decision = decide(["row_count", "title__not_null"], {"title__not_null"}, 1, 1000, 0.5)
    assert decision.status == HELD and "row_count failed" in decision.reason


def test_an_asset_without_quarantine_is_all_or_nothing():
    decision = decide(["label__in_set"], {"label__in_set"}, 1, 1000, None)
    assert decision.status == HELD and "no quarantine" in decision.reason


def test_an_empty_staged_table_with_failures_is_held():
    assert decide(["x__not_null"], {"x__not_null"}, 0, 0, 0.5).status == HELD


def _publication(status: str) -> Publication:
    return Publication("stg", status, 100, 98 if status == PARTIAL else 0, 2, 0.05, "why", 2,
                       {"title__not_null": 2})  # fmt: skip


OUTCOMES = [
    CheckOutcome("title__not_null", False, "ERROR", "Titles."),
    CheckOutcome("brand__not_null", False, "WARN"),
    CheckOutcome("id__unique", True, "ERROR"),
]


def test_quarantined_failures_are_reported_as_warnings_with_counts():
    title, brand, unique = as_reported(OUTCOMES, _publication(PARTIAL))
    assert (title.passed, title.severity) == (False, "WARN")
    assert title.details == {"publication": PARTIAL, "quarantined_rows": 2}
    assert title.description == "Titles. 2 row(s) quarantined; 98 of 100 rows published (why)"
    assert (brand, unique) == (OUTCOMES[1], OUTCOMES[2])  # WARN and passing checks unchanged


def test_held_failures_stay_errors_and_say_the_table_was_not_updated():
    title = as_reported(OUTCOMES, _publication(HELD))[0]
    assert (title.passed, title.severity, title.details["publication"]) == (False, "ERROR", HELD)
    assert "Not published, the table keeps its previous version (why)" in title.description
