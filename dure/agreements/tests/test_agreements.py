"""Agreements through HTTP: draft, IP terms, sign; the Korean licence rule; who may see what."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from dure.agreements.models import Agreement, AgreementStatus, IPTerms
from dure.agreements.tests.builders import make_selected_proposal
from dure.audit.models import AuditEvent
from dure.organisations.models import OrgKind
from dure.proposals.workflow import ProposalStatus
from dure.testing.factories import (
    make_citizen,
    make_company_user,
    make_manager,
    make_research_user,
    make_reviewer,
)

pytestmark = pytest.mark.django_db


def _draft(client, manager, proposal) -> Agreement:
    client.force_login(manager)
    response = client.post(reverse("agreement-draft", args=[proposal.pk]))
    assert response.status_code == 302
    return Agreement.objects.get(proposal=proposal)


def _ip_post(agreement, licensee, scope="Non-exclusive licence to practise the patents in Korea"):
    return {"ip-ownership": "Each organisation owns what it creates.", "ip-licensee": licensee.pk if licensee else "",
            "ip-licence_scope": scope, "ip-royalty_terms": "2% of net sales"}


def test_draft_ip_terms_sign_international(client, django_capture_on_commit_callbacks):
    manager = make_manager()
    proposal = make_selected_proposal(international=True)
    company = proposal.members.get(role="sme").organisation

    client.force_login(manager)
    page = client.get(reverse("agreements"))
    assert proposal.title in page.content.decode()

    agreement = _draft(client, manager, proposal)
    assert agreement.status == AgreementStatus.DRAFT
    assert [y.year for y in agreement.years.all()] == proposal.call.years
    assert agreement.total_krw == proposal.total_budget_krw
    assert agreement.start_date.year == proposal.call.first_year
    assert agreement.milestones.count() >= 2

    response = client.post(reverse("agreement-ip-terms", args=[agreement.pk]), _ip_post(agreement, company))
    assert response.status_code == 302
    assert IPTerms.objects.get(agreement=agreement).grants_korean_licence

    events_before = AuditEvent.objects.filter(action="agreement.signed").count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("agreement-sign", args=[agreement.pk]), follow=True)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SIGNED and agreement.signed_by == manager
    assert AuditEvent.objects.filter(action="agreement.signed").count() == events_before + 1
    assert [m.to for m in mail.outbox] == [[proposal.lead_user.email]]
    assert "signed" in response.content.decode().lower()


def test_international_without_korean_licence_is_refused(client):
    manager = make_manager()
    proposal = make_selected_proposal(international=True)
    foreign = proposal.foreign_partner
    agreement = _draft(client, manager, proposal)
    # A licence to the foreign partner does not count: it must go to a Korean company.
    client.post(reverse("agreement-ip-terms", args=[agreement.pk]), _ip_post(agreement, foreign))
    assert not IPTerms.objects.get(agreement=agreement).grants_korean_licence

    response = client.post(reverse("agreement-sign", args=[agreement.pk]) + "?lang=en", follow=True)
    text = response.content.decode()
    assert "실시권" in text and "Korean company" in text
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT and agreement.signed_at is None
    assert not AuditEvent.objects.filter(action="agreement.signed").exists()
    assert mail.outbox == []


def test_licensee_must_be_a_member_and_bad_input_changes_nothing(client):
    manager = make_manager()
    proposal = make_selected_proposal(international=False)
    agreement = _draft(client, manager, proposal)
    from dure.testing.factories import make_org
    outsider = make_org(OrgKind.SME)
    response = client.post(reverse("agreement-ip-terms", args=[agreement.pk]), _ip_post(agreement, outsider))
    assert response.status_code == 400
    assert not IPTerms.objects.filter(agreement=agreement).exists()
    # A milestone outside the agreement's dates is refused with the dates to use.
    n = agreement.milestones.count()
    response = client.post(reverse("agreement-milestone", args=[agreement.pk]), {"ms-title": "Late", "ms-due": "2040-01-01"})
    assert response.status_code == 400 and "within the agreement" in response.content.decode()
    assert agreement.milestones.count() == n


def test_only_selected_proposals_get_agreements(client):
    manager = make_manager()
    proposal = make_selected_proposal(status=ProposalStatus.NOT_SELECTED)
    client.force_login(manager)
    response = client.post(reverse("agreement-draft", args=[proposal.pk]))
    assert response.status_code == 404
    assert not Agreement.objects.exists()


def test_dispatch_and_cooperation_centre(client):
    manager = make_manager()
    proposal = make_selected_proposal(international=True)
    agreement = _draft(client, manager, proposal)
    research = proposal.members.get(role="lead").organisation
    response = client.post(reverse("agreement-dispatch", args=[agreement.pk]), {
        "dp-researcher_name": "Dr. Sample Researcher", "dp-home_organisation": research.pk,
        "dp-host_organisation": proposal.foreign_partner_id, "dp-start": "2026-03-01", "dp-end": "2026-08-31"})
    assert response.status_code == 302
    page = client.get(reverse("cooperation-centres") + "?lang=en").content.decode()
    assert proposal.foreign_partner.name_en in page and "Dr. Sample Researcher" in page
    # A home organisation abroad is refused.
    response = client.post(reverse("agreement-dispatch", args=[agreement.pk]), {
        "dp-researcher_name": "X", "dp-home_organisation": proposal.foreign_partner_id,
        "dp-host_organisation": proposal.foreign_partner_id, "dp-start": "2026-03-01", "dp-end": "2026-08-31"})
    assert response.status_code == 400
    assert agreement.dispatches.count() == 1


def test_who_sees_an_agreement(client):
    manager = make_manager()
    member = make_research_user()
    proposal = make_selected_proposal(lead_user=member)
    agreement = _draft(client, manager, proposal)
    url = reverse("agreement-detail", args=[agreement.pk])

    client.force_login(member)
    assert client.get(url).status_code == 200
    assert proposal.title in client.get(reverse("agreements")).content.decode()
    # Members read but do not edit.
    assert client.post(reverse("agreement-sign", args=[agreement.pk])).status_code == 404

    for outsider in (make_company_user(), make_research_user(), make_reviewer(), make_citizen()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404, outsider.role
        assert proposal.title not in client.get(reverse("agreements")).content.decode()
    client.force_login(make_company_user())
    assert client.post(reverse("agreement-sign", args=[agreement.pk])).status_code == 404
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT
