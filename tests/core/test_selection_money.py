"""KRW as people read it, in Korean and English units."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dure.core.money import format_krw


@pytest.mark.parametrize("amount, ko, en", [
    (148_700_000_000, "1,487억 원", "KRW 148.7 billion"),
    (1_200_000_000_000, "1조 2,000억 원", "KRW 1.2 trillion"),
    (5_700_000_000_000, "5조 7,000억 원", "KRW 5.7 trillion"),
    (66_500_000_000, "665억 원", "KRW 66.5 billion"),
    (120_000_000, "1.2억 원", "KRW 120 million"),
    (50_000_000, "5,000만 원", "KRW 50 million"),
    (5_000, "5,000원", "KRW 5,000"),
    (0, "0원", "KRW 0"),
    (1_000_000_000_000, "1조 원", "KRW 1 trillion"),
    (-300_000_000, "-3억 원", "-KRW 300 million"),
])
def test_natural_forms(amount, ko, en):
    assert format_krw(amount) == ko
    assert format_krw(amount, lang="en") == en


def test_rounding_carries_into_the_next_unit():
    assert format_krw(1_999_990_000_000) == "2조 원"
    assert format_krw(99_999_999) == "1억 원"


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "100", True])
def test_refuses_what_is_not_an_amount(bad):
    with pytest.raises((TypeError, ValueError)):
        format_krw(bad)


def test_refuses_unknown_language():
    with pytest.raises(ValueError, match="'ko' or 'en'"):
        format_krw(1, lang="fr")


@given(st.integers(0, 10**15))
def test_korean_form_reads_back_close_to_the_amount(amount):
    text = format_krw(amount).replace(",", "").replace(" 원", "").replace("원", "")
    units = {"조": 10**12, "억": 10**8, "만": 10**4}
    value, number = 0.0, ""
    for ch in text.replace(" ", ""):
        if ch in units:
            value += float(number) * units[ch]
            number = ""
        else:
            number += ch
    value += float(number) if number else 0.0
    assert abs(value - amount) <= max(0.5, 0.0051 * amount)


@given(st.integers(10**6, 10**15))
def test_english_form_reads_back_close_to_the_amount(amount):
    words = format_krw(amount, lang="en").split()
    scale = {"million": 10**6, "billion": 10**9, "trillion": 10**12}[words[2]]
    assert abs(float(words[1].replace(",", "")) * scale - amount) <= 0.0051 * amount
