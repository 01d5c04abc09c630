"""The sample-data generator: clean deliveries look right, faults are exact, output is stable."""

from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from dq_pipelines.cli import sample_rows
from dq_pipelines.cli.sample_data import DeliveryReport, Faults, generate_delivery
from dq_pipelines.cli.sample_vocabulary import CATEGORIES, KINDS, SOURCES, UNKNOWN_CATEGORIES

DAY = date(2026, 11, 27)
N = 3000
HEADERS = {
    "catalog": "product_id,title,description,brand,category,price,currency,updated_at",
    "labels": "item_id,annotator_id,label,labeled_at",
    "feedback": "query,product_id,rank,clicked,thumbs,event_at",
}


def read(report: DeliveryReport, source: str) -> pd.DataFrame:
    """All columns as text, empty fields as "" (what a loader reading varchar sees)."""
    return pd.read_csv(report.files[source], dtype=str, keep_default_na=False)


def majority(labels: pd.DataFrame) -> pd.Series:
    return labels.groupby("item_id")["label"].agg(lambda s: s.value_counts().index[0])


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> DeliveryReport:
    return generate_delivery(tmp_path_factory.mktemp("clean"), DAY, n_products=N)


def faulty(tmp_path: Path, **faults) -> DeliveryReport:
    return generate_delivery(tmp_path, DAY, n_products=N, faults=Faults(**faults))


def test_layout_headers_and_row_counts(clean: DeliveryReport) -> None:
    root = clean.files["catalog"].parents[2]
    for source in SOURCES:
        path = root / source / DAY.isoformat() / f"{source}.csv"
        assert clean.files[source] == path
        assert path.read_text(encoding="utf-8").splitlines()[0] == HEADERS[source]
        assert len(read(clean, source)) == clean.rows[source]
    assert clean.rows == {"catalog": N, "labels": 3 * N, "feedback": 2 * N}
    assert clean.skipped == ()
    written = {p for p in root.rglob("*") if p.is_file()}
    assert written == set(clean.files.values())  # nothing else, e.g. no temporary files


def test_clean_catalog(clean: DeliveryReport) -> None:
    catalog = read(clean, "catalog")
    assert catalog["product_id"].is_unique
    assert catalog["product_id"].str.fullmatch(r"P\d{7}").all()
    assert catalog["product_id"].iloc[0] == "P0000001"
    assert (catalog["title"].str.len() > 5).all()
    assert catalog["description"].str.endswith(".").all()
    assert set(catalog["category"]) == set(CATEGORIES)
    assert set(catalog["currency"]) == {"EUR"}
    assert catalog["price"].str.fullmatch(r"\d+\.\d{2}").all()
    assert catalog["price"].astype(float).between(5, 5000).all()
    assert catalog["updated_at"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()
    updated = pd.to_datetime(catalog["updated_at"], format="%d/%m/%Y")
    assert updated.min() >= pd.Timestamp(DAY - timedelta(days=731))
    assert updated.max() <= pd.Timestamp(DAY)
    # Shared vocabulary across categories keeps classification from being trivial.
    modern = catalog[catalog["title"].str.contains("Modern")]["category"]
    assert modern.nunique() == len(CATEGORIES)


def test_clean_labels(clean: DeliveryReport) -> None:
    labels = read(clean, "labels")
    truth = read(clean, "catalog").set_index("product_id")["category"]
    per_item = labels.groupby("item_id")["annotator_id"]
    assert (per_item.nunique() == 3).all() and (per_item.size() == 3).all()
    assert set(labels["item_id"]) == set(truth.index)
    assert set(labels["annotator_id"]) == {f"ann_{i:02d}" for i in range(1, 6)}
    assert set(labels["label"]) <= set(CATEGORIES)
    assert (majority(labels) == truth.reindex(majority(labels).index)).all()
    disagreement = (labels["label"] != labels["item_id"].map(truth)).mean()
    assert 0.02 < disagreement < 0.045
    labeled_at = pd.to_datetime(labels["labeled_at"], format="%Y-%m-%dT%H:%M:%S")
    assert labeled_at.max() < pd.Timestamp(DAY)
    assert labeled_at.min() >= pd.Timestamp(DAY - timedelta(days=14))


def test_clean_feedback(clean: DeliveryReport) -> None:
    feedback = read(clean, "feedback")
    catalog = read(clean, "catalog").set_index("product_id")["category"]
    assert set(feedback["product_id"]) <= set(catalog.index)
    assert (feedback["rank"].astype(int).to_numpy().reshape(-1, 10) == range(1, 11)).all()
    assert set(feedback["clicked"]) == {"0", "1"}
    assert set(feedback["thumbs"]) == {"", "up", "down"}
    event_at = pd.to_datetime(feedback["event_at"], format="%Y-%m-%dT%H:%M:%S")
    assert (event_at.dt.date == DAY).all()
    ctr = feedback.assign(clicked=feedback["clicked"].astype(int)).groupby("rank")["clicked"].mean()
    assert ctr["1"] > 2 * ctr["10"] > 0
    query_category = {q: c for c in CATEGORIES for q in KINDS[c].queries}
    matching = feedback["product_id"].map(catalog) == feedback["query"].map(query_category)
    assert matching.mean() > 0.75


def test_same_arguments_give_identical_bytes(tmp_path: Path) -> None:
    faults = Faults.demo_faulty()
    first = generate_delivery(tmp_path / "a", DAY, n_products=500, faults=faults)
    second = generate_delivery(tmp_path / "b", DAY, n_products=500, faults=faults)
    for source in SOURCES:
        assert first.files[source].read_bytes() == second.files[source].read_bytes()


def test_products_are_stable_across_days_but_deliveries_differ(tmp_path: Path) -> None:
    today = generate_delivery(tmp_path, DAY, n_products=500)
    tomorrow = generate_delivery(tmp_path, DAY + timedelta(days=1), n_products=500)
    a, b = read(today, "catalog"), read(tomorrow, "catalog")
    assert a["title"].equals(b["title"]) and a["category"].equals(b["category"])
    assert not a["updated_at"].equals(b["updated_at"])
    assert today.files["labels"].read_bytes() != tomorrow.files["labels"].read_bytes()


def test_null_titles(tmp_path: Path, clean: DeliveryReport) -> None:
    catalog = read(faulty(tmp_path, null_titles=0.05), "catalog")
    assert (catalog["title"] == "").sum() == round(0.05 * N) == 150
    # Faults overlay the clean data: nothing else changes.
    expected = read(clean, "catalog")
    changed = (catalog != expected).any(axis=1)
    assert changed.sum() == 150
    assert catalog.drop(columns="title").equals(expected.drop(columns="title"))


def test_bad_prices(tmp_path: Path) -> None:
    price = read(faulty(tmp_path, bad_prices=0.03), "catalog")["price"].astype(float)
    out_of_range = (price <= 0) | (price > 100_000)
    assert out_of_range.sum() == 90
    assert (price < 0).any() and (price > 100_000).any()


def test_duplicate_ids(tmp_path: Path) -> None:
    report = faulty(tmp_path, duplicate_ids=0.02)
    catalog = read(report, "catalog")
    assert len(catalog) == report.rows["catalog"] == N + 60
    counts = catalog["product_id"].value_counts()
    assert (counts == 2).sum() == 60 and counts.max() == 2
    twice = catalog[catalog["product_id"].duplicated(keep=False)]
    assert (twice.groupby("product_id")["price"].nunique() == 2).all()
    assert (twice.groupby("product_id")["title"].nunique() == 1).all()


def test_unknown_categories(tmp_path: Path) -> None:
    category = read(faulty(tmp_path, unknown_categories=0.03), "catalog")["category"]
    unknown = category[~category.isin(CATEGORIES)]
    assert len(unknown) == 90
    assert set(unknown) <= set(UNKNOWN_CATEGORIES)


def test_flipped_labels(tmp_path: Path, clean: DeliveryReport) -> None:
    labels = read(faulty(tmp_path, flipped_labels=0.15), "labels")
    truth = read(clean, "catalog").set_index("product_id")["category"]
    voted = majority(labels)
    wrong = voted != truth.reindex(voted.index)
    assert wrong.sum() == 450
    assert set(voted[wrong]) <= set(CATEGORIES)
    assert len(labels) == 3 * N


def test_epoch_dates(tmp_path: Path, clean: DeliveryReport) -> None:
    updated_at = read(faulty(tmp_path, epoch_dates=True), "catalog")["updated_at"]
    assert updated_at.str.fullmatch(r"\d{9,10}").all()
    as_dates = pd.to_datetime(updated_at.astype(int), unit="s")
    expected = pd.to_datetime(read(clean, "catalog")["updated_at"], format="%d/%m/%Y")
    assert as_dates.equals(expected)


def test_late_sources_are_not_written(tmp_path: Path) -> None:
    generate_delivery(tmp_path, DAY, n_products=200)  # an earlier, complete run
    progress: list[tuple[str, int, int]] = []
    report = generate_delivery(
        tmp_path,
        DAY,
        n_products=200,
        faults=Faults(late_sources=("feedback", "catalog")),
        progress=lambda *call: progress.append(call),
    )
    assert report.skipped == ("catalog", "feedback")
    assert set(report.files) == set(report.rows) == {"labels"}
    assert not (tmp_path / "catalog" / DAY.isoformat() / "catalog.csv").exists()
    assert not (tmp_path / "feedback" / DAY.isoformat() / "feedback.csv").exists()
    assert report.files["labels"].exists()
    assert {source for source, _, _ in progress} == {"labels"}


def test_demo_faults_combine_with_exact_counts(tmp_path: Path) -> None:
    faults = Faults.demo_faulty()
    report = generate_delivery(tmp_path, DAY, n_products=N, faults=faults)
    catalog = read(report, "catalog")
    assert (catalog["title"] == "").sum() == 150
    assert (
        (catalog["price"].astype(float) <= 0) | (catalog["price"].astype(float) > 1e5)
    ).sum() == 90
    assert catalog["product_id"].duplicated().sum() == 60
    assert (~catalog["category"].isin(CATEGORIES)).sum() == 90
    assert catalog["updated_at"].str.fullmatch(r"\d+").all()
    assert "null_titles=0.05" in str(faults) and str(Faults()) == "no faults"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"null_titles": 1.5},
        {"bad_prices": -0.1},
        {"null_titles": 0.6, "bad_prices": 0.6},
        {"late_sources": ("weather",)},
    ],
)
def test_invalid_faults_are_rejected(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        Faults(**kwargs)


def test_medium_delivery_is_chunked_with_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sample_rows, "CHUNK_ROWS", 60_000)
    n = 200_000
    calls: list[tuple[str, int, int]] = []
    started = datetime.now()
    report = generate_delivery(
        tmp_path,
        DAY,
        n_products=n,
        faults=Faults(duplicate_ids=0.01, null_titles=0.01),
        progress=lambda *call: calls.append(call),
    )
    assert (datetime.now() - started).total_seconds() < 10
    for source in SOURCES:
        done = [d for s, d, _ in calls if s == source]
        totals = {t for s, _, t in calls if s == source}
        assert len(done) > 3, f"{source} was not written in chunks"
        assert done == sorted(set(done)) and totals == {done[-1]} == {report.rows[source]}
    assert report.rows == {"catalog": n + 2000, "labels": 3 * n, "feedback": 2 * n}
    catalog = read(report, "catalog")
    assert len(catalog) == n + 2000  # one header, no header rows repeated mid-file
    assert catalog["product_id"].nunique() == n
    assert (catalog["title"] == "").sum() == 2000
    assert list(tmp_path.rglob(".*")) == []  # no temporary part files left behind
