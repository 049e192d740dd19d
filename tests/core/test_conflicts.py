"""Conflict-of-interest rules, checked on linked identities.

Organisation ids and parent links below are real ROR records, cut from
/work/shared/data/ror/ror_kr_flat.csv: Korea Institute of Machinery & Materials
(01qcq9d74) and Korea Research Institute of Standards and Science (01az7b475) both list
058rymf81 (National Research Council of Science & Technology, NST) as parent; Yonsei
University Mirae Campus (0160gc229) lists Yonsei University (01wjejq96).
"""

from __future__ import annotations

import pytest

from dure.core.conflicts import (
    ConflictDetector,
    DeclaredTie,
    ProposalParties,
    Work,
    reciprocal_reviews,
)
from dure.core.identity import PersonRecord, link_identities

KIMM, KRISS, NST = "ror:01qcq9d74", "ror:01az7b475", "ror:058rymf81"
YONSEI, YONSEI_MIRAE = "ror:01wjejq96", "ror:0160gc229"
ROR_PARENTS = {KIMM: (NST,), KRISS: (NST,), YONSEI_MIRAE: (YONSEI,)}


def kinds(conflicts, proposal_id, person_id):
    return {c.kind for c in conflicts if c.proposal_id == proposal_id and c.person_id == person_id}


@pytest.fixture
def people():
    records = [
        PersonRecord("rev-nst", names=("박지훈",), organisation_ids=(NST,)),
        PersonRecord("rev-kriss", names=("Lee Seo-yeon",), organisation_ids=(KRISS,)),
        PersonRecord("rev-yonsei", names=("Choi Kyung-hee",), organisation_ids=(YONSEI,)),
        PersonRecord("rev-kim-old", names=("Kim Min-jun",), emails=("mj.kim@yonsei.ac.kr",),
                     organisation_ids=(YONSEI,)),
        PersonRecord("rev-kim-new", names=("김민준",), emails=("mjkim@kriss.re.kr",),
                     organisation_ids=(YONSEI, KRISS)),
        PersonRecord("app-jung", names=("정현우",), organisation_ids=(KIMM,)),
        PersonRecord("app-han", names=("Han Ji-won",), organisation_ids=(YONSEI_MIRAE,)),
    ]
    return link_identities(records)


def reviewers_of(identities):
    return [i for i in identities if any(r.startswith("rev-") for r in i.record_ids)]


def test_organisation_parent_child_and_siblings(people):
    proposals = [ProposalParties("P-kimm", KIMM, person_ids=("app-jung",)),
                 ProposalParties("P-mirae", YONSEI_MIRAE, person_ids=("app-han",))]
    found = ConflictDetector(organisation_parents=ROR_PARENTS).detect(
        proposals, reviewers_of(people), identities=people)
    assert kinds(found, "P-kimm", "rev-nst") == {"same_organisation"}  # NST is KIMM's parent
    assert kinds(found, "P-kimm", "rev-kriss") == set()  # sibling institutes are not conflicted
    assert kinds(found, "P-mirae", "rev-yonsei") == {"same_organisation"}  # campus of Yonsei
    evidence = next(c.evidence for c in found if c.person_id == "rev-nst")
    assert "parent" in evidence and KIMM in evidence


def test_consortium_partner_conflict(people):
    proposals = [ProposalParties("P1", KIMM, consortium_organisation_ids=(KRISS,))]
    found = ConflictDetector().detect(proposals, reviewers_of(people), identities=people)
    assert "consortium_member" in kinds(found, "P1", "rev-kriss")


def test_coauthorship_window_and_aliases(people):
    proposals = [ProposalParties("P1", KIMM, person_ids=("app-jung",))]
    works = [
        # written under the reviewer's old record; linking carries it to the identity
        Work("doi:10.1/recent", "publication", 2024, ("app-jung", "rev-kim-old")),
        Work("doi:10.1/old", "publication", 2018, ("app-jung", "rev-yonsei")),
        Work("patent:KR1", "patent", 2010, ("app-jung", "rev-nst")),
        Work("project:NRF-1", "project", 2023, ("app-jung", "rev-kriss")),
    ]
    reviewers = reviewers_of(people)
    kim = next(i.identity_id for i in people if "rev-kim-new" in i.record_ids)
    assert {"rev-kim-old", "rev-kim-new"} <= set(next(i for i in people if i.identity_id == kim).record_ids)
    found = ConflictDetector(coauthor_window_years=3).detect(
        proposals, reviewers, identities=people, works=works, reference_year=2025)
    assert kinds(found, "P1", kim) == {"coauthorship"}
    assert kinds(found, "P1", "rev-yonsei") == set()  # 2018 is outside 2022-2025
    assert kinds(found, "P1", "rev-nst") >= {"joint_patent"}  # patents count whenever they were
    assert kinds(found, "P1", "rev-kriss") == {"joint_project"}
    wide = ConflictDetector(coauthor_window_years=10).detect(
        proposals, reviewers, identities=people, works=works, reference_year=2025)
    assert kinds(wide, "P1", "rev-yonsei") == {"coauthorship"}


def test_declared_ties_both_ways(people):
    proposals = [ProposalParties("P1", KIMM, person_ids=("app-jung",)),
                 ProposalParties("P2", YONSEI_MIRAE, person_ids=("app-han",))]
    ties = [DeclaredTie("rev-kriss", "former PhD advisor", other_person_id="app-jung"),
            DeclaredTie("rev-yonsei", "reviewed an earlier version", proposal_id="P1"),
            DeclaredTie("app-han", "spouse", other_person_id="rev-nst")]
    found = ConflictDetector().detect(proposals, reviewers_of(people), identities=people, ties=ties)
    assert kinds(found, "P1", "rev-kriss") == {"declared_tie"}
    assert kinds(found, "P1", "rev-yonsei") == {"declared_tie"}
    assert kinds(found, "P2", "rev-nst") == {"declared_tie"}
    assert {c.source for c in found} == {"declared:rev-kriss", "declared:rev-yonsei", "declared:app-han"}


def test_reciprocal_review_is_flagged_on_both_pairs():
    proposals = [ProposalParties("PA", "o1", person_ids=("alice",)),
                 ProposalParties("PB", "o2", person_ids=("bob",)),
                 ProposalParties("PC", "o3", person_ids=("carol",))]
    pairs = [("PB", "alice"), ("PA", "bob"), ("PC", "alice")]
    found = reciprocal_reviews(proposals, pairs)
    assert {(c.proposal_id, c.person_id) for c in found} == {("PB", "alice"), ("PA", "bob")}
    assert all(c.kind == "reciprocal_review" for c in found)


def test_bad_work_kind_is_rejected(people):
    with pytest.raises(ValueError, match="kind must be one of"):
        ConflictDetector().detect([], reviewers_of(people), works=[Work("w", "talk", 2024, ())])
