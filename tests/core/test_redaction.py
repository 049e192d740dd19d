"""Blind-stage redaction of names, aliases and contact details.

Organisation names come from the shared ROR extract (ror/ror_kr_flat.csv and
ror/ror_foreign_top_subset_v2.jsonl): Korea Institute of Machinery and Materials
(한국기계연구원, acronym KIMM) and Fraunhofer Society.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dure.core.redaction import PLACEHOLDER, RedactionInputError, Redactor

CONSORTIUM = Redactor(
    names=["Korea Institute of Machinery and Materials", "한국기계연구원", "홍길동", "Jane Doe", "Fraunhofer Society"],
    aliases=["KIMM", "기계연", "Fraunhofer-Gesellschaft"],
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("한국기계연구원은 2020년부터 참여했다.", "[redacted]은 2020년부터 참여했다."),
        ("한국 기계 연구원의 설비와 기계연에서 만든 시제품", "[redacted]의 설비와 [redacted]에서 만든 시제품"),
        ("책임자 홍길동에게 문의하고 홍 길동과 협의", "책임자 [redacted]에게 문의하고 [redacted]과 협의"),
        ("Led by JANE   doe at the korea institute of machinery and materials (KIMM).",
         "Led by [redacted] at the [redacted] ([redacted])."),
        ("Partner: Fraunhofer-Gesellschaft; KIMM's pilot line", "Partner: [redacted]; [redacted]'s pilot line"),
    ],
)
def test_names_and_aliases(text, expected):
    assert CONSORTIUM.redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "Write to jane.doe@kimm.re.kr for data",
        "See https://www.kimm.re.kr/eng/sub01.",
        "see www.example.org/path?x=1",
        "call +82-42-868-7114 today",
        "mobile 010-1234-5678 or 01012345678",
        "phone +82 42 868 7114 or 042 868 7114",
        "office (042) 868-7114",
        "ORCID 0000-0002-1825-0097 and https://orcid.org/0000-0001-5109-3700",
        "ROR https://ror.org/01k4yrm29 or 01k4yrm29",
    ],
)
def test_contact_patterns(text):
    result = CONSORTIUM.redact(text)
    assert result.count >= 1
    for secret in ("@", "kimm.re.kr", "example.org", "868-7114", "1234-5678", "01012345678",
                   "0000-0002-1825-0097", "01k4yrm29", "0000-0001-5109-3700"):
        assert secret not in result.text
    assert result.text.count(PLACEHOLDER) == result.count


def test_counts_and_trailing_punctuation_kept():
    result = CONSORTIUM.redact("KIMM, 홍길동, and https://kimm.re.kr.")
    assert result == type(result)("[redacted], [redacted], and [redacted].", 3)


@pytest.mark.parametrize(
    "text",
    [
        "KIMMCO and Kimchi are not partners; a kimmel is a word.",
        "한국기계연구원장 is a title, 홍길동산 is a mountain",
        "The budget for 2023-2025 is 1,200,000,000 KRW from 2024-01-15, TRL 4-6, 15.3% share.",
        "Doe-eyed reviewers, a Jane Austen novel, and the Fraunhofer lines in a spectrum.",
        "기계 연구에 필요한 장비",
        "in 2024 2025 2026 we spend 1200 3400 5600 and 120 3400 5600",
    ],
)
def test_does_not_over_redact(text):
    assert CONSORTIUM.redact(text) == type(CONSORTIUM.redact(text))(text, 0)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(
    ["the", "machine", "learning", "연구", "개발", "기술", "로봇", "materials", "institute", "korea",
     "2024", "budget", "기계", "연구원", "partner", "doe", "jane", "society", "은", "는", "-", ","]
), max_size=30))
def test_ordinary_text_without_names_is_unchanged(words):
    # joined so that no listed name appears in full
    text = " ".join(words).replace("jane doe", "jane, doe")
    text = text.replace("korea institute of machinery and materials", "korea")
    assert CONSORTIUM.redact(text).text == text


def test_bad_names():
    with pytest.raises(RedactionInputError, match="too short"):
        Redactor(names=["X"])
    with pytest.raises(RedactionInputError, match="list of strings"):
        Redactor(names="KIMM")
    with pytest.raises(RedactionInputError, match="not a string"):
        Redactor(aliases=[None])
    with pytest.raises(RedactionInputError, match="takes a string"):
        CONSORTIUM.redact(None)
