"""Privacy of the training set (issue 11): direct identifiers found by pattern (and product data
left alone), declared identifier columns, k-anonymity, and the declared transformations."""

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest

from dq_pipelines.stats.k_anonymity import k_anonymity
from dq_pipelines.stats.privacy import (
    find_card,
    find_email,
    find_identifiers,
    find_phone,
    luhn_valid,
)
from dq_pipelines.stats.privacy_transforms import apply_transforms, bucket_values

PHONES = [
    ("call +44 20 7946 0958 today", "+** ** **** **58"),
    ("+1 (415) 555-2671", "+* (***) ***-**71"),
    ("+44 (0)20 7946 0958", "+** (*)** **** **58"),
    ("+33612345678", "+*********78"),
    ("0033 6 12 34 56 78", "**** * ** ** ** 78"),
    ("(415) 555-2671", "(***) ***-**71"),
    ("reach me at 415-555-2671.", "***-***-**71"),
    ("tel: 020 7946 0958", "*** **** **58"),
    ("Phone no. 06 12 34 56 78", "** ** ** ** 78"),
    ("030-1234567", "***-*****67"),
]
CARDS = [
    ("4111 1111 1111 1111", "**** **** **** 1111"),
    ("paid with 5500-0000-0000-0004.", "****-****-****-0004"),
    ("4111111111111111", "************1111"),
    ("3782 822463 10005", "**** ****** *0005"),
]
# Catalog text full of numbers that are not phone or card numbers.
PRODUCT_TEXT = [
    "Samsung 55 inch 4K TV 2023",
    "iPhone 15 Pro 256GB",
    "Dell XPS 13 9310 laptop, 16 GB, 512 GB SSD",
    "Price 1,299.99 EUR",
    "€ 1299.99",
    "was 2 499,00 now 1 999,00",
    "SKU 0012-3456-78",
    "Item no. 0123 4567 89",
    "AB-0123-456789",
    "Part #0800 123 456",
    "Solid oak dining table for six, seats a family; spare part no. 020 7946 0958",
    "0123456789",
    "EAN 4684847513501",  # a valid EAN-13 that also passes Luhn
    "4684847513501",
    "Order 20240115103000",
    "order 007944090035",  # zero-padded, not 00 + a country code
    "05.01.2024",
    "15/01/2024",
    "2024-01-15 10:30:00",
    "05.01.2024 10:30",
    "Model years 2019 - 2023",
    "Desk 120 x 60 x 75 cm",
    "Lens 200 300 4000",
    "Sizes 36 38 40 42 44 46",
    "prices 299 449 549 699 899",  # 15 digits, Luhn-valid, not in card groups
    "ISBN 978-0-306-40615-7",
    "4111 1111 1111 1112",  # card-shaped, Luhn-invalid
    "1234 5678 9012 3456",  # card-shaped, starts outside the card ranges
]


@pytest.mark.parametrize(("text", "masked"), PHONES)
def test_phone_numbers_are_found_and_masked(text, masked):
    assert find_phone(text) == masked


@pytest.mark.parametrize(("text", "masked"), CARDS)
def test_card_numbers_are_found_and_masked(text, masked):
    assert luhn_valid("".join(c for c in text if c.isdigit()))
    assert find_card(text) == masked


@pytest.mark.parametrize("text", PRODUCT_TEXT)
def test_product_numbers_prices_and_dates_are_neither_phone_nor_card(text):
    assert find_phone(text) is None
    assert find_card(text) is None
    assert find_email(text) is None


def test_email_addresses_are_found_and_masked():
    assert find_email("write to jane.doe@example.com please") == "j***@e***.com"
    assert find_email("Ops <ops+dq@mail.shop.co.uk>") == "o***@m***.uk"
    for text in ("user@localhost", "5 stars @ home", "rated 4.5/5 @2024", "a@b"):
        assert find_email(text) is None


def _training_frame() -> pd.DataFrame:
    rows = 200
    titles = [f"Oak table {i} x 80 cm, SKU 00{i:04d}-12" for i in range(rows)]
    notes = ["" for _ in range(rows)]
    notes[3] = "ship to jane.doe@example.com"
    notes[7] = "call +44 20 7946 0958 first"
    notes[8] = "call +44 20 7946 0959 first"
    return pd.DataFrame(
        {
            "title": titles,
            "notes": notes,
            "customer_email": [f"c{i}@shop.example" for i in range(rows)],
            "price": np.linspace(5, 500, rows),
        }
    )


def test_find_identifiers_reports_declared_columns_and_matches_per_column_masked():
    report = find_identifiers(_training_frame(), declared=["customer_email", "ssn"])

    assert not report.passed
    assert report.declared_present == ("customer_email",)
    assert report.scanned_columns == ("title", "notes", "customer_email")
    by_key = {(m.column, m.kind): m for m in report.matches}
    assert set(by_key) == {("notes", "email"), ("notes", "phone"), ("customer_email", "email")}
    assert (by_key["notes", "phone"].rows, by_key["notes", "phone"].share) == (2, 0.01)
    assert by_key["notes", "email"].example == "j***@e***.com"
    assert report.failing_columns == ("customer_email", "notes")

    summary = report.summary()
    assert "declared identifier column 'customer_email' present" in summary
    assert "notes: phone in 2 rows (1.0%), e.g. +** ** **** **58" in summary
    assert "jane" not in summary and "7946" not in summary and "0958" not in str(report)
    assert report.metadata()["notes.phone_rows"] == 2


def test_a_training_frame_without_identifiers_passes():
    clean = _training_frame().drop(columns=["customer_email"]).assign(notes="")
    report = find_identifiers(clean, declared=["customer_email"])
    assert report.passed
    assert report.summary() == "no direct identifier in 200 rows (2 text columns scanned)"


def test_a_hashed_identifier_column_is_allowed_and_still_scanned():
    frame = _training_frame().assign(notes="")
    hashed = apply_transforms(frame, {"customer_email": "hash"}, salt=b"s3cret")
    report = find_identifiers(hashed, declared=["customer_email"], pseudonymised=["customer_email"])
    assert report.passed, report.summary()
    # The transform that did not run is caught by the patterns.
    report = find_identifiers(frame, declared=["customer_email"], pseudonymised=["customer_email"])
    assert report.failing_columns == ("customer_email",)
    with pytest.raises(ValueError, match="unknown identifier kinds"):
        find_identifiers(frame, kinds=["ssn"])


# A hand-made table: (zip3, age band, sex) groups of sizes 3, 2, 1 and a null-zip group of 2.
PEOPLE = pd.DataFrame(
    {
        "zip3": ["750", "750", "750", "750", "750", "691", None, None],
        "age": ["30-39", "30-39", "30-39", "40-49", "40-49", "30-39", "30-39", "30-39"],
        "sex": ["F", "F", "F", "M", "M", "F", "M", "M"],
        "diagnosis": ["a", "b", "c", "d", "e", "f", "g", "h"],
    }
)


def test_k_anonymity_on_a_hand_made_table():
    result = k_anonymity(PEOPLE, ["zip3", "age", "sex"], k=2)
    assert (result.groups, result.smallest_group) == (4, 1)
    assert (result.groups_below_k, result.rows_below_k) == (1, 1)
    assert not result.passed
    assert result.summary() == (
        "not 2-anonymous over (zip3, age, sex): smallest group 1 rows; "
        "1 of 8 rows (12.5%) in 1 of 4 groups below 2"
    )
    at_3 = k_anonymity(PEOPLE, ["zip3", "age", "sex"], k=3)
    # The two null-zip rows form one group of their own (2 rows), like any other value.
    assert (at_3.groups_below_k, at_3.rows_below_k) == (3, 5)
    by_age = k_anonymity(PEOPLE, ["age"], k=2)
    assert by_age.passed
    assert by_age.summary() == "2-anonymous over (age): 2 groups, the smallest of 2 rows"
    assert by_age.metadata()["smallest_group"] == 2


def test_k_anonymity_counts_only_groups_that_occur_in_categorical_columns():
    categorical = PEOPLE.astype({"zip3": "category", "age": "category", "sex": "category"})
    plain = k_anonymity(PEOPLE, ["zip3", "age", "sex"], k=2)
    assert k_anonymity(categorical, ["zip3", "age", "sex"], k=2) == plain


def test_k_anonymity_refuses_bad_input():
    with pytest.raises(ValueError, match="at least one quasi-identifier"):
        k_anonymity(PEOPLE, [], k=2)
    with pytest.raises(ValueError, match="k must be"):
        k_anonymity(PEOPLE, ["age"], k=0)
    with pytest.raises(ValueError, match="not in the frame: \\['postcode'\\]"):
        k_anonymity(PEOPLE, ["age", "postcode"], k=2)


def test_each_transform_and_nulls_stay_null():
    frame = pd.DataFrame(
        {
            "email": ["a@x.com", None, "a@x.com"],
            "postcode": ["75011", "69003", None],
            "age": [37, 40, None],
            "phone": ["+33 6 12 34 56 78", "", None],
        }
    )
    specs = {
        "email": "hash",
        "postcode": {"transform": "truncate", "length": 2},
        "age": {"transform": "bucket", "width": 10},
        "phone": {"transform": "drop"},
    }
    out = apply_transforms(frame, specs, salt="pepper")

    expected = hmac.new(b"pepper", b"a@x.com", hashlib.sha256).hexdigest()
    assert out["email"].tolist() == [expected, None, expected]
    assert out["postcode"].tolist() == ["75", "69", None]
    assert out["age"].tolist() == ["[30, 40)", "[40, 50)", None]
    assert list(out.columns) == ["email", "postcode", "age"]
    assert "phone" in frame.columns and frame["email"][0] == "a@x.com"  # input untouched
    # Another salt, other pseudonyms.
    assert apply_transforms(frame, {"email": "hash"}, salt=b"other")["email"][0] != expected
    assert bucket_values(pd.Series([0.26, -1.0]), 0.5).tolist() == ["[0, 0.5)", "[-1, -0.5)"]


@pytest.mark.parametrize(
    ("specs", "salt", "message"),
    [
        ({"email": "hash"}, "", "non-empty secret salt"),
        ({"email": "hash"}, None, "non-empty secret salt"),
        ({"email": "hash"}, b"  ", "non-empty secret salt"),
        ({"email": "hash"}, 42, "non-empty secret salt"),
        ({"email": "encrypt"}, "s", "unknown transform 'encrypt'"),
        ({"mail": "drop"}, None, "not in the frame: \\['mail'\\]"),
        ({"postcode": "truncate"}, None, "takes \\['length'\\]"),
        ({"postcode": {"transform": "truncate", "length": 0}}, None, "length must be"),
        ({"age": {"transform": "bucket", "width": -5}}, None, "width must be"),
        ({"age": {"transform": "drop", "width": 5}}, None, "takes nothing"),
        ({"email": {"transform": "bucket", "width": 10}}, None, "email: bucket needs numbers"),
        ({"age": ["drop"]}, None, "a transform spec is"),
    ],
)
def test_bad_transform_specs_are_clear_errors(specs, salt, message):
    frame = pd.DataFrame({"email": ["a@x.com"], "postcode": ["75011"], "age": [37]})
    with pytest.raises(ValueError, match=message):
        apply_transforms(frame, specs, salt=salt)
