"""Demands, reaching out first, and consortia, driven through HTTP as each role would."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from dure.organisations.models import Organisation, OrgKind
from dure.partners.models import (
    Consortium,
    ConsortiumMember,
    Demand,
    JointResearchOffer,
    OfferStatus,
)
from dure.testing.factories import (
    make_auditor,
    make_company_user,
    make_manager,
    make_org,
    make_research_user,
    make_reviewer,
)

pytestmark = pytest.mark.django_db


def test_company_posts_a_demand_and_research_sees_it(client):
    company = make_company_user()
    client.force_login(company)
    r = client.post(reverse("demands"), {
        "title": "희토류 저감 영구자석", "description": "EV 모터용 자석이 필요합니다.",
        "competences": "magnet alloys, powder metallurgy\nmotor design",
    })
    assert r.status_code == 302
    demand = Demand.objects.get()
    assert demand.company == company.organisation
    assert demand.competences == ["magnet alloys", "powder metallurgy", "motor design"]

    research = make_research_user()
    client.force_login(research)
    r = client.get(reverse("demands"))
    assert "희토류 저감 영구자석" in r.content.decode()
    r = client.get(reverse("demand-detail", args=[demand.pk]))
    assert r.status_code == 200 and "motor design" in r.content.decode()


def test_demand_with_missing_fields_is_refused_and_nothing_saved(client):
    client.force_login(make_company_user())
    r = client.post(reverse("demands"), {"title": "", "description": ""})
    assert r.status_code == 400
    assert Demand.objects.count() == 0


def test_research_user_cannot_post_a_demand_and_other_companies_do_not_see_it(client):
    demand_owner = make_company_user()
    client.force_login(demand_owner)
    client.post(reverse("demands"), {"title": "Secret need", "description": "x"})
    demand = Demand.objects.get()
    client.force_login(make_research_user())
    assert client.post(reverse("demands"), {"title": "t", "description": "d"}).status_code == 404
    assert Demand.objects.count() == 1
    client.force_login(make_company_user())
    assert client.get(reverse("demand-detail", args=[demand.pk])).status_code == 404
    for user in (make_reviewer(), make_auditor()):
        client.force_login(user)
        assert client.get(reverse("demands")).status_code == 404


def test_reach_out_accept_forms_consortium_with_research_lead(client, django_capture_on_commit_callbacks):
    company = make_company_user(kind=OrgKind.LARGE)
    client.force_login(company)
    client.post(reverse("demands"), {"title": "Joint research centre", "description": "heavy industry materials"})
    demand = Demand.objects.get()

    research = make_research_user()
    client.force_login(research)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("offers"), {
            "demand": demand.pk, "message": "We propose a joint research centre.",
            "commercialisation_goal": "Magnet-free motor in ships by 2030",
        })
    assert r.status_code == 302, r.content.decode()
    offer = JointResearchOffer.objects.get()
    assert offer.company == company.organisation and offer.research_org == research.organisation
    assert [m.to for m in mail.outbox] == [[company.email]]

    # The research user cannot decide its own offer.
    assert client.post(reverse("offer-decide", args=[offer.pk]), {"decision": "accept"}).status_code == 404

    client.force_login(company)
    r = client.get(reverse("offers"))
    assert "Magnet-free motor in ships by 2030" in r.content.decode()
    with_mail = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("offer-decide", args=[offer.pk]), {"decision": "accept"})
    consortium = Consortium.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("consortium-detail", args=[consortium.pk])
    assert consortium.lead == research.organisation
    roles = dict(ConsortiumMember.objects.values_list("organisation_id", "role"))
    assert roles == {research.organisation_id: "lead", company.organisation_id: "large"}
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED and offer.consortium == consortium
    assert mail.outbox[with_mail].to == [research.email]

    # Answering twice changes nothing.
    client.post(reverse("offer-decide", args=[offer.pk]), {"decision": "decline"})
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED and Consortium.objects.count() == 1

    # Both organisations see the consortium.
    for user in (company, research):
        client.force_login(user)
        assert consortium.name in client.get(reverse("consortia")).content.decode()
    client.force_login(make_research_user())
    assert client.get(reverse("consortium-detail", args=[consortium.pk])).status_code == 404


def test_direct_offer_declined_forms_nothing(client):
    company = make_company_user()
    research = make_research_user()
    client.force_login(research)
    r = client.post(reverse("offers"), {"company": company.organisation_id, "message": "m", "commercialisation_goal": "g"})
    assert r.status_code == 302
    offer = JointResearchOffer.objects.get()
    client.force_login(company)
    client.post(reverse("offer-decide", args=[offer.pk]), {"decision": "decline"})
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    assert Consortium.objects.count() == 0


def test_offer_without_company_or_goal_is_refused(client):
    client.force_login(make_research_user())
    r = client.post(reverse("offers"), {"message": "m", "commercialisation_goal": ""})
    assert r.status_code == 400
    text = r.content.decode()
    assert "Choose the company" in text or "required" in text.lower() or "필수" in text
    research_org = make_org(OrgKind.GRI)
    r = client.post(reverse("offers"), {"company": research_org.pk, "message": "m", "commercialisation_goal": "g"})
    assert r.status_code == 400
    assert JointResearchOffer.objects.count() == 0


def test_lead_searches_and_adds_members_with_roles(client):
    research = make_research_user()
    client.force_login(research)
    client.post(reverse("consortia"), {"name": "Magnet consortium"})
    consortium = Consortium.objects.get()
    mit = Organisation.objects.create(name_en="Massachusetts Institute of Technology", name_ko="매사추세츠 공과대학교",
                                      kind=OrgKind.FOREIGN, country_code="US", ror_id="https://ror.org/042nb2s44")
    kaist = make_org(OrgKind.UNIVERSITY, name="Korea Advanced Institute of Science and Technology")
    url = reverse("consortium-detail", args=[consortium.pk])
    for q in ("Massachusetts", "매사추세츠", "042nb2s44"):
        assert "Massachusetts Institute of Technology" in client.get(url, {"q": q}).content.decode()

    before = ConsortiumMember.objects.count()
    r = client.post(url, {"organisation": kaist.pk, "role": "foreign"})  # Korean org as foreign partner
    assert r.status_code == 400 and "outside Korea" in r.content.decode()
    r = client.post(url, {"organisation": mit.pk, "role": "research"})
    assert r.status_code == 400
    r = client.post(url, {"organisation": "abc", "role": "lead"})
    assert r.status_code == 400
    assert ConsortiumMember.objects.count() == before

    assert client.post(url, {"organisation": mit.pk, "role": "foreign"}).status_code == 302
    assert client.post(url, {"organisation": kaist.pk, "role": "research"}).status_code == 302
    roles = dict(consortium.members.values_list("organisation_id", "role"))
    assert roles[mit.pk] == "foreign" and roles[kaist.pk] == "research"

    # A member that is not the lead cannot add members.
    member_user = make_company_user()
    ConsortiumMember.objects.create(consortium=consortium, organisation=member_user.organisation, role="sme")
    client.force_login(member_user)
    other = make_org(OrgKind.GRI)
    assert client.post(url, {"organisation": other.pk, "role": "research"}).status_code == 404
    assert not consortium.members.filter(organisation=other).exists()


def test_manager_sees_all_consortia_but_cannot_form_one(client):
    research = make_research_user()
    client.force_login(research)
    client.post(reverse("consortia"), {"name": "C1"})
    client.force_login(make_manager())
    assert "C1" in client.get(reverse("consortia")).content.decode()
    assert client.post(reverse("consortia"), {"name": "C2"}).status_code == 404
    assert Consortium.objects.count() == 1
