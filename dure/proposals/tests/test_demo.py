"""The partners and proposals demo loads through the actions and yields valid, signed submissions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dure.organisations.models import OrgKind
from dure.partners import demo as partners_demo
from dure.partners.models import Consortium, Demand, JointResearchOffer
from dure.programmes.models import Sector, Technology
from dure.proposals import demo as proposals_demo
from dure.proposals.models import Proposal
from dure.proposals.receipts import verify_submission
from dure.testing.factories import make_call, make_org, make_track, make_user

ORG_KINDS = {
    "kims": OrgKind.GRI, "kist": OrgKind.GRI, "etri": OrgKind.GRI, "kaist": OrgKind.UNIVERSITY,
    "snu": OrgKind.UNIVERSITY, "postech": OrgKind.UNIVERSITY, "samsung": OrgKind.LARGE, "hyundai": OrgKind.LARGE,
    "hd_hyundai": OrgKind.LARGE, "sme_magnet": OrgKind.SME, "sme_package": OrgKind.SME,
}
FOREIGN = {"mit": "US", "stanford": "US", "fraunhofer": "DE", "riken": "JP"}


@pytest.mark.django_db
def test_demo_creates_sample_demands_consortia_and_submitted_proposals():
    orgs = {k: make_org(kind, name=k) for k, kind in ORG_KINDS.items()}
    orgs.update({k: make_org(OrgKind.FOREIGN, country=c, name=k) for k, c in FOREIGN.items()})
    users = {
        "company": make_user("company", orgs["sme_magnet"]), "company_large": make_user("company", orgs["hd_hyundai"]),
        "research": make_user("research", orgs["kims"]), "research2": make_user("research", orgs["kaist"]),
    }
    chokepoint = make_track(code="chokepoint", requires_foreign_partner=True)
    original = make_track(chokepoint.programme, code="original")
    sector = Sector.objects.create(code="materials", name_en="Materials", name_ko="소재")
    technologies = {
        code: Technology.objects.create(track=track, sector=sector, code=code, name_en=code, name_ko=code)
        for code, track in [("CP-MAT-01", chokepoint), ("CP-SEMI-01", chokepoint), ("CP-BAT-01", chokepoint),
                            ("CP-ROB-01", chokepoint), ("OR-AI-01", original), ("OR-QC-01", original),
                            ("OR-BIO-01", original)]
    }
    calls = {
        "chokepoint": make_call(chokepoint, requires_sme=True, max_budget_per_year_krw=3_000_000_000,
                                deadline_in=timedelta(days=10)),
        "original": make_call(original, requires_foreign_partner=True, max_budget_per_year_krw=1_500_000_000),
    }
    ctx = {"orgs": orgs, "users": users, "technologies": technologies, "calls": calls}
    partners_demo.load(ctx)
    proposals_demo.load(ctx)

    assert Demand.objects.filter(is_sample=True).count() == len(ctx["demands"]) == 2
    assert "희토류" in ctx["demands"][0].title
    assert JointResearchOffer.objects.filter(status="accepted", research_org=orgs["kims"]).count() == 2
    assert ctx["consortia"]["hd_centre"].lead == orgs["kims"]
    assert Consortium.objects.filter(is_sample=False).count() == 0
    assert len(ctx["proposals"]) == 6 and len(ctx["proposal_drafts"]) == 2
    assert Proposal.objects.filter(is_sample=False).count() == 0
    for p in ctx["proposals"]:
        assert p.status == "submitted" and p.foreign_partner is not None
        assert verify_submission(p.submissions.get())
    assert {p.call_id for p in ctx["proposals"]} == {calls["chokepoint"].pk, calls["original"].pk}
