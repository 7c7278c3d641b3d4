"""Masking of personal data before it is stored."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.analytics.privacy import mask, normalize

MASKED = [
    # e-mail addresses, any script, any case, at the end of a sentence
    ("my email is john.doe+shop@example.com please", "my email is [email] please"),
    ("JOHN@EXAMPLE.CO.UK.", "[email]."),
    ("café@exemple.fr refund", "[email] refund"),
    ("用户@例子.中国 退款", "[email] 退款"),
    ("jürgen.müller@straße.de", "[email]"),
    ("mail me: o'brien@shop-example.ie,thanks", "mail me: [email],thanks"),
    ("a-b_c@d-e.example.org", "[email]"),
    ("full-width at: someone＠example.com", "full-width at: [email]"),
    # phone numbers
    ("call me at +44 20 7946 0958", "call me at [phone]"),
    ("+44 (0) 20 7946 0958", "[phone]"),
    ("0044 20 7946 0958", "[phone]"),
    ("555-123-4567", "[phone]"),
    ("(555) 123-4567.", "[phone]."),
    ("06 12 34 56 78", "[phone]"),
    ("tel:+33612345678", "tel:[phone]"),
    ("555 1234 is my number", "[phone] is my number"),
    ("ring 030\u00a01234\u00a05678", "ring [phone]"),  # no-break spaces
    # order, tracking, card and account numbers
    ("order 123-4567890-1234567 not arrived", "order [number] not arrived"),
    ("order #12345678", "order #[number]"),
    ("(order 12345678)", "(order [number])"),
    ("order 12345678.", "order [number]."),
    ("AB12345 where is it", "[number] where is it"),
    ("INV-2024-000123", "[number]"),
    ("1Z999AA10123456784", "[number]"),
    ("order#A1B2C3D4E5", "order#[number]"),
    ("card 4111 1111 1111 1111", "card [number]"),
    ("IBAN DE89 3704 0044 0532 0130 00", "IBAN DE89 [number]"),
    ("my number is 0612345678", "my number is [number]"),
    ("order １２３４５６７８ lost", "order [number] lost"),  # full-width digits
    ("طلب ١٢٣٤٥٦٧٨ مفقود", "طلب [number] مفقود"),  # Arabic-Indic digits
    ("😀 12345678 😀", "😀 [number] 😀"),
    ("ref:1234567", "ref:[number]"),
    # dates with a year (birthdays)
    ("born 1990-01-31", "born [date]"),
    ("ordered on 12/05/2024, still waiting", "ordered on [date], still waiting"),
    ("12.5.24", "[date]"),
    # links carry tokens and ids
    ("reset link https://shop.example/reset?token=abc123 broken", "reset link [url] broken"),
    ("see www.shop.com/orders/99", "see [url]"),
    # everything at once
    (
        "Hi, I'm jane@x.io, order 123-4567890-1234567, call +1 415 555 2671",
        "Hi, I'm [email], order [number], call [phone]",
    ),
]

KEPT = [
    "",
    "   ",
    "where is my refund",
    "error 404",
    "30-day return",
    "in 2024 I bought 3 items",
    "covid-19",
    "iPhone 15 Pro",
    "price 1,299.99",
    "1.5 kg",
    "version 1.2.3",
    "order 12345",  # five digits: a quantity or a postcode, not an order number
    "a@b",  # no domain
    "user@localhost",
    "Ünïcödé wörds ünd ß",
    "größe 42",
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_masks_personal_data(text: str, expected: str) -> None:
    """E-mail addresses, phone and order-like numbers, dates and links are replaced by placeholders."""
    assert mask(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_keeps_ordinary_text(text: str) -> None:
    """Words, short numbers, versions, prices and things that only look like addresses are kept."""
    assert mask(text) == text


def test_normalize_keeps_placeholders() -> None:
    """Normalizing a masked query lower-cases its words and keeps placeholders as single tokens."""
    assert (
        normalize(mask("Where is ORDER #12345678?  Mail: A@B.com"))
        == "where is order [number] mail [email]"
    )


def test_long_inputs_are_linear() -> None:
    """Pathological inputs (long digit runs, long words without an at sign) mask in one pass."""
    for text in ("1" * 20000 + "a", "a" * 20000, "a." * 10000, "1-" * 10000 + "x", "a@" * 10000):
        out = mask(text)
        assert "1" * 6 not in out


emails = st.from_regex(
    r"[a-z][a-z0-9._+-]{0,15}@[a-z][a-z0-9-]{0,10}\.(com|org|de|co\.uk)", fullmatch=True
)
digits = st.integers(min_value=100_000, max_value=10**16).map(str)
filler = st.text(
    alphabet=st.characters(categories=("L", "Zs", "P", "So"), exclude_characters="@＠"), max_size=30
)


@settings(max_examples=300, deadline=None)
@given(before=filler, secret=st.one_of(emails, digits), after=filler)
def test_no_secret_survives(before: str, secret: str, after: str) -> None:
    """Whatever surrounds it, an e-mail address or a run of 6+ digits never survives masking."""
    out = mask(f"{before} {secret} {after}")
    assert secret not in out
    assert not re.search(r"\d{6}", out)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80))
def test_masking_is_idempotent(text: str) -> None:
    """Masking masked text changes nothing (placeholders are never masked again)."""
    once = mask(text)
    assert mask(once) == once
