"""Identity linking across e-mails, ORCIDs and Korean / romanised names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dure.core.identity import (
    PersonRecord,
    identity_of_record,
    link_identities,
    name_keys,
    normalise_email,
    normalise_orcid,
    romanise,
)


@pytest.mark.parametrize("hangul, expected", [
    ("김민준", "gimminjun"),
    ("이서연", "iseoyeon"),
    ("박지훈", "bakjihun"),
    ("최경희", "choegyeonghui"),
    ("정현우", "jeonghyeonu"),
    ("홍길동", "honggildong"),
    ("이철률", "icheollyul"),  # ㄹㄹ is written ll
    ("남궁민", "namgungmin"),
])
def test_revised_romanisation_of_names(hangul, expected):
    assert romanise(hangul) == expected


@pytest.mark.parametrize("korean, romanised", [
    ("김민준", "Kim Min-jun"),
    ("김민준", "Min Jun Kim"),
    ("김민준", "Kim, Minjun"),
    ("김민준", "Minjoon Gim"),
    ("이서연", "Lee Seo-yeon"),
    ("이서연", "Yi Seoyeon"),
    ("이서연", "Rhee, Seo Yeon"),
    ("박지훈", "Park Ji-hoon"),
    ("박지훈", "Pak Jihun"),
    ("최경희", "Choe Kyung-hee"),
    ("최경희", "Choi Kyunghee"),
    ("정현우", "Jung Hyun-woo"),
    ("정현우", "Chung Hyunwoo"),
    ("정현우", "Jeong, Hyeon-u"),
    ("남궁민", "Namgung Min"),
])
def test_korean_and_romanised_names_share_a_key(korean, romanised):
    assert name_keys(korean) & name_keys(romanised)


@pytest.mark.parametrize("a, b", [
    ("김민준", "Kim Min-ji"),
    ("김민준", "Park Min-jun"),
    ("이서연", "Lee Seo-jin"),
    ("John Smith", "Jane Smith"),
])
def test_different_people_do_not_share_a_key(a, b):
    assert not (name_keys(a) & name_keys(b))


def test_email_normalisation():
    assert normalise_email("Min.Jun+review@GMail.com") == "minjun@gmail.com"
    assert normalise_email("min.jun@kaist.ac.kr") == "min.jun@kaist.ac.kr"
    assert normalise_email("not-an-address") is None


def test_orcid_checksum():
    assert normalise_orcid("https://orcid.org/0000-0002-1825-0097") == "0000-0002-1825-0097"
    assert normalise_orcid("0000-0002-1825-0098") is None  # wrong check digit


def test_links_korean_and_romanised_records_with_a_shared_organisation():
    records = [
        PersonRecord("a", names=("김민준",), emails=("mj@kaist.ac.kr",), organisation_ids=("ror:kaist",)),
        PersonRecord("b", names=("Min-Jun Kim",), emails=("minjun.kim@gmail.com",),
                     organisation_ids=("ror:kaist", "ror:etri")),
        PersonRecord("c", names=("Kim Minjun",), emails=("minjunkim+x@gmail.com",)),
        PersonRecord("d", names=("Kim Min-jun",), organisation_ids=("ror:snu",)),
    ]
    identities = link_identities(records)
    owner = identity_of_record(identities)
    assert owner["a"] == owner["b"] == owner["c"]  # name+org links a-b, gmail links b-c
    assert owner["d"] != owner["a"]  # same name, no shared organisation: not merged
    merged = next(i for i in identities if "a" in i.record_ids)
    kinds = {e.kind for e in merged.evidence}
    assert kinds == {"name+organisation", "email"}
    assert any("ror:kaist" in e.detail for e in merged.evidence)
    assert set(merged.organisation_ids) == {"ror:kaist", "ror:etri"}


def test_orcid_links_records_with_different_names_and_emails():
    records = [
        PersonRecord("x1", names=("이서연",), orcid="0000-0002-1825-0097"),
        PersonRecord("x2", names=("S. Lee",), orcid="https://orcid.org/0000-0002-1825-0097"),
        PersonRecord("x3", names=("이서연",), orcid="0000-0002-1825-0098"),  # invalid ORCID
    ]
    owner = identity_of_record(link_identities(records))
    assert owner["x1"] == owner["x2"] != owner["x3"]


def test_duplicate_record_ids_are_rejected():
    with pytest.raises(ValueError, match="repeated: r1"):
        link_identities([PersonRecord("r1"), PersonRecord("r1")])


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3)), min_size=1, max_size=12))
def test_linking_is_a_partition_independent_of_order(specs):
    records = [PersonRecord(f"r{i}", emails=(f"u{e}@example.org",), organisation_ids=(f"o{o}",))
               for i, (e, o) in enumerate(specs)]
    forward = identity_of_record(link_identities(records))
    backward = identity_of_record(link_identities(records[::-1]))
    assert forward == backward
    for i, (e, _) in enumerate(specs):
        for j, (f, _) in enumerate(specs):
            assert (forward[f"r{i}"] == forward[f"r{j}"]) == (e == f)
