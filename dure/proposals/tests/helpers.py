"""A call, a consortium led by a research organisation, and a valid proposal form for it."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from dure.organisations.models import Organisation, OrgKind
from dure.partners.actions import check_add_member, check_create_consortium
from dure.partners.models import Consortium
from dure.programmes.models import Call, Technology
from dure.proposals.models import Proposal
from dure.testing.factories import (
    make_call,
    make_company_user,
    make_org,
    make_research_user,
    make_technology,
    make_track,
)

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class World:
    lead: object
    company: object
    call: Call
    technology: Technology
    consortium: Consortium
    foreign: Organisation | None

    def form(self, **override) -> dict:
        members = list(self.consortium.members.all())
        share = 100 // len(members)
        data = {
            "technology": self.technology.pk,
            "title": "Rare-earth-free permanent magnets for EV motors",
            "abstract": "Iron-nitride magnets with a pilot line at the SME.",
            "plain_summary": "Magnets without rare earths.",
            "ip_licence_plan": "The SME receives an exclusive licence in Korea.",
            "cooperation_need": "The partner holds the only thin-film process." if self.foreign else "",
            "foreign_partner": self.foreign.pk if self.foreign else "",
        }
        for i, m in enumerate(members):
            data[f"role_{m.organisation_id}"] = m.role
            data[f"share_{m.organisation_id}"] = str(share + (100 - share * len(members) if i == 0 else 0))
        for year in self.call.years:
            data[f"budget_{year}"] = str(self.call.max_budget_per_year_krw // 2)
        data.update(override)
        return {k: v for k, v in data.items() if v is not None}


def make_world(*, international: bool = False, **call_kw) -> World:
    track = make_track(requires_foreign_partner=international)
    call = make_call(track, **call_kw)
    technology = make_technology(track)
    lead = make_research_user()
    company = make_company_user(kind=OrgKind.SME)
    consortium = check_create_consortium(lead, "Magnet consortium")
    check_add_member(lead, consortium, company.organisation, "sme")
    foreign = None
    if international:
        foreign = make_org(OrgKind.FOREIGN, country="US", name="Massachusetts Institute of Technology")
        check_add_member(lead, consortium, foreign, "foreign")
    return World(lead, company, call, technology, consortium, foreign)


def create(client, world, **override):
    client.force_login(world.lead)
    r = client.post(reverse("proposal-create", args=[world.call.pk]), world.form(**override))
    assert r.status_code == 302, r.content.decode()
    return Proposal.objects.latest("pk")
