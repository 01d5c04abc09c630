"""The sample-data generator: clean deliveries look right, faults are exact, output is stable."""

import csv
import hashlib
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dq_pipelines.cli import main, sample_rows
from dq_pipelines.cli.sample_data import DeliveryReport, Faults, generate_delivery
from dq_pipelines.cli.sample_vocabulary import (
    BRANDS,
    CATEGORIES,
    CONFUSABLE,
    DRIFT_ADJECTIVES,
    KINDS,
    POSTCODE_AREAS,
    ROGUE_ANNOTATOR,
    SOURCES,
    UNKNOWN_CATEGORIES,
)

DAY = date(2026, 11, 27)
N = 3000
HEADERS = {
    "catalog": "product_id,title,description,brand,category,price,currency,ships_from_postcode,"
    "updated_at",
    "labels": "item_id,annotator_id,label,labeled_at",
    "feedback": "query,product_id,rank,clicked,thumbs,event_at,model_version",
    "inference_requests": "request_id,requested_at,title,description,brand,price",
}
EMAIL_OR_PHONE = r"[\w.]+@[\w.]+\.\w+|\+44 7700 900\d{3}"


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
    assert clean.rows == {
        "catalog": N, "labels": 3 * N, "feedback": 2 * N, "inference_requests": N // 2,
    }  # fmt: skip
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
    # No seller contact leaks into a clean description.
    assert not catalog["description"].str.contains(EMAIL_OR_PHONE).any()


def test_ships_from_postcode_is_coarse_by_area_and_nearly_unique_in_full(
    clean: DeliveryReport,
) -> None:
    postcode = read(clean, "catalog")["ships_from_postcode"]
    assert postcode.str.fullmatch(r"[A-Z]{2}\d{1,2} \d[A-Z]{2}").all()
    areas = postcode.str[:2].value_counts()
    assert set(areas.index) == set(POSTCODE_AREAS)
    assert areas.min() >= 200  # about N / 10 each: large groups once truncated
    assert postcode.nunique() > 0.95 * N  # full postcodes nearly identify a seller


def test_clean_labels(clean: DeliveryReport) -> None:
    labels = read(clean, "labels")
    truth = read(clean, "catalog").set_index("product_id")["category"]
    per_item = labels.groupby("item_id")["annotator_id"]
    assert (per_item.nunique() == 3).all() and (per_item.size() == 3).all()
    assert set(labels["item_id"]) == set(truth.index)
    assert set(labels["annotator_id"]) == {f"ann_{i:02d}" for i in range(1, 6)}  # no rogue
    assert set(labels["label"]) <= set(CATEGORIES)
    voted = majority(labels)
    assert (voted == truth.reindex(voted.index)).all()
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


def test_clean_inference_requests(clean: DeliveryReport) -> None:
    requests = read(clean, "inference_requests")
    catalog = read(clean, "catalog")
    assert requests["request_id"].is_unique
    assert requests["request_id"].iloc[0] == "R20261127-0000001"
    assert requests["request_id"].str.fullmatch(r"R20261127-\d{7}").all()
    requested_at = pd.to_datetime(requests["requested_at"], format="%Y-%m-%dT%H:%M:%S")
    assert (requested_at.dt.date == DAY).all()
    # The training set's features, from the catalog's vocabulary, never empty when clean.
    assert (requests[["title", "description", "brand", "price"]] != "").all().all()
    assert set(requests["brand"]) == set(BRANDS)
    assert requests["price"].str.fullmatch(r"\d+\.\d{2}").all()
    assert requests["price"].astype(float).between(5, 5000).all()
    catalog_words = set(" ".join(catalog["title"]).split())
    assert set(" ".join(requests["title"]).split()) <= catalog_words
    assert requests["title"].str.split().str.len().min() >= 3
    assert requests["description"].str.endswith(".").all()
    assert not requests["title"].str.split().str[0].isin(DRIFT_ADJECTIVES).any()


def _digest(path: Path, drop_column: str | None = None) -> str:
    """sha256 of a CSV's rows, optionally without one column, as comma-joined lines."""
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    if drop_column is not None:
        at = rows[0].index(drop_column)
        rows = [row[:at] + row[at + 1 :] for row in rows]
    return hashlib.sha256("\n".join(",".join(row) for row in rows).encode()).hexdigest()[:16]


def test_existing_faults_output_is_unchanged_by_the_new_ones(tmp_path: Path) -> None:
    """Digests of the demo's faulty delivery written before issue 11's faults existed: with the
    new faults off, every file is byte-identical (the catalog and the feedback but for their
    new columns)."""
    report = generate_delivery(tmp_path, DAY, n_products=500, faults=Faults.demo_faulty())
    assert _digest(report.files["catalog"], "ships_from_postcode") == "70e020098370678f"
    assert _digest(report.files["labels"]) == "d37c7d9b91e20fd8"
    assert _digest(report.files["feedback"], "model_version") == "d3d0b17256065a4f"


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
    # The shape of a flip: two annotators agree on one wrong category, the third is right.
    flipped = labels[labels["item_id"].isin(voted[wrong].index)]
    right = flipped["label"] == flipped["item_id"].map(truth)
    assert (right.groupby(flipped["item_id"]).sum() == 1).all()
    assert (flipped[~right].groupby("item_id")["label"].nunique() == 1).all()
    assert voted[wrong].map(CONFUSABLE).ne(voted[wrong]).all()  # uniform: not one target


def test_class_flipped_labels(tmp_path: Path, clean: DeliveryReport) -> None:
    labels = read(faulty(tmp_path, class_flipped_labels=0.1), "labels")
    truth = read(clean, "catalog").set_index("product_id")["category"]
    voted = majority(labels)
    given = truth.reindex(voted.index)
    wrong = voted != given
    # Exactly round(10%) of each category, each relabelled as its one confusable category.
    expected = {c: round(0.1 * n) for c, n in truth.value_counts().items()}
    assert given[wrong].value_counts().to_dict() == expected
    assert (voted[wrong] == given[wrong].map(CONFUSABLE)).all()
    assert wrong.sum() == sum(expected.values())
    assert len(labels) == 3 * N


def test_rogue_annotator(tmp_path: Path, clean: DeliveryReport) -> None:
    labels = read(faulty(tmp_path, rogue_annotator=True), "labels")
    truth = read(clean, "catalog").set_index("product_id")["category"]
    assert len(labels) == 3 * N and not labels.duplicated(["item_id", "annotator_id"]).any()
    rogue = labels[labels["annotator_id"] == ROGUE_ANNOTATOR]
    assert len(rogue) == rogue["item_id"].nunique() == round(0.2 * N)
    # The majority stays right everywhere; the rogue agrees with it about 1 time in 8.
    voted = majority(labels)
    assert (voted == truth.reindex(voted.index)).all()
    rogue_right = (rogue["label"] == rogue["item_id"].map(truth)).mean()
    assert 0.05 < rogue_right < 0.25
    others = labels[labels["item_id"].isin(rogue["item_id"])]
    others = others[others["annotator_id"] != ROGUE_ANNOTATOR]
    assert (others["label"] == others["item_id"].map(truth)).all()  # the others stay correct


def test_missing_labels_for_a_category_and_at_random(tmp_path: Path, clean: DeliveryReport) -> None:
    report = faulty(tmp_path, missing_labels_category="lamps", missing_labels=0.05)
    labels = read(report, "labels")
    truth = read(clean, "catalog").set_index("product_id")["category"]
    lamps = truth[truth == "lamps"].index
    unlabelled = truth.index.difference(labels["item_id"])
    assert set(lamps) <= set(unlabelled)
    assert len(unlabelled) == len(lamps) + round(0.05 * N)
    assert report.rows["labels"] == len(labels) == 3 * (N - len(unlabelled))
    assert (labels.groupby("item_id").size() == 3).all()  # the rest is labelled as before
    only_random = read(faulty(tmp_path / "random", missing_labels=0.05), "labels")
    assert only_random["item_id"].nunique() == N - 150


def test_drift(tmp_path: Path, clean: DeliveryReport) -> None:
    report = faulty(tmp_path, drift=1.0)
    catalog, base = read(report, "catalog"), read(clean, "catalog")
    share = catalog["category"].value_counts(normalize=True)
    assert (
        share["lamps"] + share["rugs"]
        > 0.6
        > 0.3
        > (base["category"].value_counts(normalize=True)[["lamps", "rugs"]].sum())
    )

    # Prices times 1.5: the mean log price per category (log-uniform within its range) moves
    # up by log(1.5), on average over the categories (a category alone is too small to tell).
    def mean_log_price(frame: pd.DataFrame) -> pd.Series:
        return np.log(frame["price"].astype(float)).groupby(frame["category"]).mean()

    assert 1.3 < np.exp((mean_log_price(catalog) - mean_log_price(base)).mean()) < 1.7
    new_words = catalog["title"].str.split().str[0].isin(DRIFT_ADJECTIVES).mean()
    assert 0.45 < new_words < 0.55
    requests = read(report, "inference_requests")  # the batch served drifts too
    assert requests["title"].str.split().str[0].isin(DRIFT_ADJECTIVES).mean() > 0.4
    # A weaker drift shifts less; drift=0 is the clean delivery.
    weak = read(faulty(tmp_path / "weak", drift=0.3), "catalog")
    weak_new = weak["title"].str.split().str[0].isin(DRIFT_ADJECTIVES).mean()
    assert 0.1 < weak_new < 0.2
    off = faulty(tmp_path / "off", drift=0.0)
    assert off.files["catalog"].read_bytes() == clean.files["catalog"].read_bytes()


def test_pii_in_descriptions(tmp_path: Path, clean: DeliveryReport) -> None:
    catalog = read(faulty(tmp_path, pii_in_descriptions=0.05), "catalog")
    expected = read(clean, "catalog")
    leaked = catalog["description"].str.contains(EMAIL_OR_PHONE)
    assert leaked.sum() == 150
    assert catalog["description"].str.contains(r"@example\.com").sum() > 50
    assert catalog["description"].str.contains(r"\+44 7700").sum() > 50
    assert catalog["description"].str.endswith(".").all()
    original = expected["description"][leaked]
    assert all(
        d.startswith(o) for d, o in zip(catalog["description"][leaked], original, strict=True)
    )
    assert catalog.drop(columns="description").equals(expected.drop(columns="description"))


def test_serving_faults(tmp_path: Path, clean: DeliveryReport) -> None:
    report = faulty(tmp_path, serving_missing_description=0.2, serving_short_titles=0.1)
    requests, expected = read(report, "inference_requests"), read(clean, "inference_requests")
    assert (requests["description"] == "").sum() == round(0.2 * N / 2) == 300
    one_word = requests["title"].str.split().str.len() == 1
    assert one_word.sum() == 150
    assert (requests["title"][one_word] == expected["title"][one_word].str.split().str[0]).all()
    same = ["request_id", "requested_at", "brand", "price"]
    assert requests[same].equals(expected[same])
    for source in ("catalog", "labels", "feedback"):  # serving faults touch requests only
        assert report.files[source].read_bytes() == clean.files[source].read_bytes()


def test_new_faults_are_off_by_default_and_deterministic(
    tmp_path: Path, clean: DeliveryReport
) -> None:
    assert str(Faults()) == "no faults"
    requests = read(clean, "inference_requests")
    assert (requests["description"] != "").all()
    assert requests["title"].str.split().str.len().min() > 1
    faults = Faults(
        class_flipped_labels=0.1, rogue_annotator=True, missing_labels=0.02,
        missing_labels_category="rugs", drift=0.5, pii_in_descriptions=0.03,
        serving_missing_description=0.1, serving_short_titles=0.1,
    )  # fmt: skip
    assert str(faults) == (
        "class_flipped_labels=0.1, rogue_annotator=True, missing_labels=0.02, "
        "missing_labels_category=rugs, drift=0.5, pii_in_descriptions=0.03, "
        "serving_missing_description=0.1, serving_short_titles=0.1"
    )
    first = generate_delivery(tmp_path / "a", DAY, n_products=500, faults=faults)
    second = generate_delivery(tmp_path / "b", DAY, n_products=500, faults=faults)
    other_seed = generate_delivery(tmp_path / "c", DAY, n_products=500, faults=faults, seed=8)
    for source in SOURCES:
        assert first.files[source].read_bytes() == second.files[source].read_bytes()
        assert first.files[source].read_bytes() != other_seed.files[source].read_bytes()


def test_generate_verb_takes_each_new_fault(tmp_path: Path) -> None:
    args = ["generate", "--landing", str(tmp_path), "--date", "2026-11-27", "--products", "400"]
    flags = [
        "--class-flipped-labels", "0.1", "--rogue-annotator", "--missing-labels", "0.05",
        "--missing-labels-category", "lamps", "--drift", "1", "--pii-in-descriptions", "0.05",
        "--serving-missing-description", "0.5", "--serving-short-titles", "0.25",
    ]  # fmt: skip
    result = CliRunner().invoke(main, [*args, *flags])
    assert result.exit_code == 0, result.output
    assert "inference_requests: 200 rows" in result.output
    day = tmp_path / "{}" / "2026-11-27" / "{}.csv"
    requests = pd.read_csv(str(day).format("inference_requests", "inference_requests"), dtype=str)
    assert requests["description"].isna().sum() == 100
    assert (requests["title"].str.split().str.len() == 1).sum() == 50
    labels = pd.read_csv(str(day).format("labels", "labels"), dtype=str)
    assert ROGUE_ANNOTATOR in set(labels["annotator_id"])
    catalog = pd.read_csv(str(day).format("catalog", "catalog"), dtype=str)
    assert catalog["description"].str.contains(EMAIL_OR_PHONE).sum() == 20
    assert not labels["item_id"].isin(catalog["product_id"][catalog["category"] == "lamps"]).any()
    bad = CliRunner().invoke(main, [*args, "--force", "--missing-labels-category", "gadgets"])
    assert bad.exit_code == 2 and "unknown missing_labels_category 'gadgets'" in bad.output


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
    assert set(report.files) == set(report.rows) == {"labels", "inference_requests"}
    assert not (tmp_path / "catalog" / DAY.isoformat() / "catalog.csv").exists()
    assert not (tmp_path / "feedback" / DAY.isoformat() / "feedback.csv").exists()
    assert report.files["labels"].exists()
    assert {source for source, _, _ in progress} == {"labels", "inference_requests"}
    late = generate_delivery(
        tmp_path, DAY, n_products=200, faults=Faults(late_sources=("inference_requests",))
    )
    assert late.skipped == ("inference_requests",) and "inference_requests" not in late.files
    assert not (
        tmp_path / "inference_requests" / DAY.isoformat() / "inference_requests.csv"
    ).exists()


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
        {"class_flipped_labels": 1.2},
        {"drift": -0.5},
        {"serving_short_titles": 2.0},
        {"missing_labels_category": "gadgets"},  # not a category the labels know
        {"null_titles": 0.5, "pii_in_descriptions": 0.6},  # catalog row faults are disjoint
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
        chunks = 1 if source == "inference_requests" else 3  # n / 2 requests: 2 chunks
        assert len(done) > chunks, f"{source} was not written in chunks"
        assert done == sorted(set(done)) and totals == {done[-1]} == {report.rows[source]}
    assert report.rows == {
        "catalog": n + 2000, "labels": 3 * n, "feedback": 2 * n, "inference_requests": n // 2,
    }  # fmt: skip
    catalog = read(report, "catalog")
    assert len(catalog) == n + 2000  # one header, no header rows repeated mid-file
    assert catalog["product_id"].nunique() == n
    assert (catalog["title"] == "").sum() == 2000
    assert list(tmp_path.rglob(".*")) == []  # no temporary part files left behind
