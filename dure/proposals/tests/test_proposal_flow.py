"""From reaching out to a signed receipt, through HTTP as each role would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dure.audit.models import AuditEvent
from dure.organisations.models import OrgKind
from dure.partners.models import Consortium, JointResearchOffer
from dure.proposals.models import (
    Attachment,
    Proposal,
    ProposalBudgetYear,
    ProposalMember,
    Submission,
)
from dure.proposals.receipts import verify_receipt, verify_submission
from dure.proposals.tests.helpers import PDF, create, make_world
from dure.testing.factories import (
    make_auditor,
    make_call,
    make_company_user,
    make_manager,
    make_research_user,
    make_reviewer,
    make_technology,
    make_track,
)

pytestmark = pytest.mark.django_db


def counts():
    return (Proposal.objects.count(), ProposalMember.objects.count(), ProposalBudgetYear.objects.count(),
            Submission.objects.count(), Attachment.objects.count())


def submit(client, proposal, key="k-1"):
    return client.post(reverse("proposal-submit", args=[proposal.pk]), {"idempotency_key": key})


def test_whole_path_reach_out_consortium_proposal_submit_receipt(client, django_capture_on_commit_callbacks):
    track = make_track()
    call = make_call(track, requires_sme=True)
    technology = make_technology(track)
    company = make_company_user(kind=OrgKind.SME)
    research = make_research_user()

    client.force_login(company)
    client.post(reverse("demands"), {"title": "희토류 프리 영구자석", "description": "EV 구동모터용"})
    client.force_login(research)
    demand_id = company.organisation.demands.get().pk
    client.post(reverse("offers"), {"demand": demand_id, "message": "공동연구 제안", "commercialisation_goal": "2030 양산"})
    client.force_login(company)
    client.post(reverse("offer-decide", args=[JointResearchOffer.objects.get().pk]), {"decision": "accept"})
    consortium = Consortium.objects.get()

    # The company is a member but not the lead: it cannot write the proposal.
    r = client.get(reverse("proposal-create", args=[call.pk]))
    assert "leads none yet" in r.content.decode() or r.status_code == 200
    assert client.post(reverse("proposal-create", args=[call.pk]), {"consortium": consortium.pk}).status_code == 404

    client.force_login(research)
    page = client.get(reverse("proposal-create", args=[call.pk]))
    assert page.status_code == 200 and "budget_2026" in page.content.decode()
    data = {
        "technology": technology.pk, "title": "Iron-nitride magnets", "abstract": "Abstract",
        "ip_licence_plan": "Licence to the SME", f"role_{research.organisation_id}": "lead",
        f"share_{research.organisation_id}": "60", f"role_{company.organisation_id}": "sme",
        f"share_{company.organisation_id}": "40", "budget_2026": "500000000", "budget_2027": "500000000",
        "budget_2028": "400000000", "attachment": SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf"),
    }
    r = client.post(reverse("proposal-create", args=[call.pk]), data)
    assert r.status_code == 302, r.content.decode()
    proposal = Proposal.objects.get()
    assert proposal.consortium == consortium and proposal.total_budget_krw == 1_400_000_000
    detail = client.get(reverse("proposal-detail", args=[proposal.pk])).content.decode()
    assert "All eligibility rules of the call are met." in detail

    with django_capture_on_commit_callbacks(execute=True):
        r = submit(client, proposal, "abc123")
    submission = Submission.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("proposal-receipt", args=[proposal.pk, 1])
    receipt = client.get(r["Location"]).content.decode()
    assert submission.receipt_code in receipt and submission.receipt_signature in receipt
    assert "Asia/Seoul" in receipt or "KST" in receipt
    assert verify_submission(submission)
    assert verify_receipt(proposal.public_id, 1, submission.received_at, submission.content_digest,
                          submission.receipt_signature)
    assert submission.snapshot["budget"] == {"2026": 500000000, "2027": 500000000, "2028": 400000000}
    assert submission.snapshot["attachments"][0]["name"] == "plan.pdf"
    assert mail.outbox[-1].to == [research.email] and submission.receipt_code in mail.outbox[-1].body
    assert AuditEvent.objects.filter(action="proposal.submitted").count() == 1

    # The member company sees the proposal and the receipt, but cannot submit it.
    client.force_login(company)
    assert client.get(reverse("proposal-detail", args=[proposal.pk])).status_code == 200
    assert client.get(reverse("proposal-receipt", args=[proposal.pk, 1])).status_code == 200
    assert submit(client, proposal, "other").status_code == 404
    assert Submission.objects.count() == 1


def test_receipt_verification_rejects_tampering():
    now = timezone.now()
    from dure.proposals.receipts import sign_receipt

    sig = sign_receipt("p-1", 2, now, "d" * 64)
    assert verify_receipt("p-1", 2, now, "d" * 64, sig)
    assert verify_receipt("p-1", 2, now.astimezone(timezone.get_fixed_timezone(540)), "d" * 64, sig)
    assert not verify_receipt("p-1", 3, now, "d" * 64, sig)
    assert not verify_receipt("p-1", 2, now + timedelta(microseconds=1), "d" * 64, sig)
    assert not verify_receipt("p-1", 2, now, "e" * 64, sig)
    assert not verify_receipt("p-1", 2, now, "d" * 64, sig, key="another key")


def test_same_idempotency_key_gives_one_submission_new_key_a_new_version(client):
    world = make_world()
    proposal = create(client, world)
    first = submit(client, proposal, "key-A")
    again = submit(client, proposal, "key-A")
    assert first["Location"] == again["Location"]
    assert Submission.objects.count() == 1
    proposal.refresh_from_db()
    assert proposal.version == 1
    # Edit and re-submit before the deadline: a new version with its own receipt.
    r = client.post(reverse("proposal-edit", args=[proposal.pk]), world.form(title="Second version"))
    assert r.status_code == 302
    detail = reverse("proposal-detail", args=[proposal.pk])
    assert "changed after version 1 was submitted" in client.get(detail).content.decode()
    assert submit(client, proposal, "key-B")["Location"].endswith("/receipts/2/")
    assert "was submitted. The changes count" not in client.get(detail).content.decode()
    assert list(Submission.objects.values_list("version", "snapshot__title")) == [
        (1, "Rare-earth-free permanent magnets for EV motors"), (2, "Second version")]
    assert submit(client, proposal, "key-A")["Location"].endswith("/receipts/1/")
    assert Submission.objects.count() == 2


def test_submission_after_deadline_refused_and_grace_period_honoured(client):
    world = make_world(grace_seconds=120)
    proposal = create(client, world)
    world.call.deadline = timezone.now() - timedelta(seconds=30)
    world.call.save()
    r = submit(client, proposal, "in-grace")
    assert r.status_code == 302 and Submission.objects.count() == 1

    world.call.deadline = timezone.now() - timedelta(seconds=121)
    world.call.save()
    before = counts()
    r = submit(client, proposal, "too-late")
    assert r.status_code == 400
    assert "has passed" in r.content.decode()
    assert counts() == before
    proposal.refresh_from_db()
    assert proposal.version == 1
    # After the deadline the proposal can no longer be edited either.
    before = counts()
    r = client.post(reverse("proposal-edit", args=[proposal.pk]), world.form(title="Late change"), follow=True)
    assert "can no longer be changed" in r.content.decode()
    assert counts() == before
    proposal.refresh_from_db()
    assert proposal.title != "Late change"


def test_non_pdf_upload_refused_by_content(client):
    world = make_world()
    client.force_login(world.lead)
    before = counts()
    fake = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 this is an executable", content_type="application/pdf")
    r = client.post(reverse("proposal-create", args=[world.call.pk]), {**world.form(), "attachment": fake})
    assert r.status_code == 400
    assert "not a PDF" in r.content.decode()
    assert counts() == before


def test_upload_over_the_size_cap_refused(client, settings):
    settings.DURE_UPLOAD_MAX_BYTES = 50
    world = make_world()
    client.force_login(world.lead)
    big = SimpleUploadedFile("plan.pdf", PDF + b"0" * 100, content_type="application/pdf")
    r = client.post(reverse("proposal-create", args=[world.call.pk]), {**world.form(), "attachment": big})
    assert r.status_code == 400 and "the limit is" in r.content.decode()
    assert Proposal.objects.count() == 0


def test_attachment_served_as_attachment_only_to_permitted_users(client):
    world = make_world()
    client.force_login(world.lead)
    pdf = SimpleUploadedFile("../../etc/plan.pdf", PDF, content_type="text/html")
    client.post(reverse("proposal-create", args=[world.call.pk]), {**world.form(), "attachment": pdf})
    attachment = Attachment.objects.get()
    url = reverse("proposal-attachment", args=[attachment.proposal_id, attachment.pk])
    r = client.get(url)
    assert r.status_code == 200
    assert r["Content-Disposition"].startswith("attachment;") and "plan.pdf" in r["Content-Disposition"]
    assert r["X-Content-Type-Options"] == "nosniff" and r["Content-Type"] == "application/pdf"
    assert b"".join(r.streaming_content) == PDF
    client.force_login(make_research_user())
    assert client.get(url).status_code == 404


def test_other_organisations_get_404_on_every_proposal_page(client):
    world = make_world()
    proposal = create(client, world)
    submit(client, proposal, "k")
    pages = [
        reverse("proposal-detail", args=[proposal.pk]),
        reverse("proposal-edit", args=[proposal.pk]),
        reverse("proposal-receipt", args=[proposal.pk, 1]),
    ]
    outsiders = [make_research_user(), make_company_user(), make_reviewer(), make_auditor()]
    for user in outsiders:
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 404, (user.role, url)
        assert submit(client, proposal, "x").status_code == 404
        assert proposal.title not in client.get(reverse("my-proposals")).content.decode() or user.role in ("reviewer", "auditor")
    assert Submission.objects.count() == 1
    client.force_login(make_manager())
    assert client.get(pages[0]).status_code == 200
    assert client.get(reverse("proposal-detail", args=[proposal.pk + 999])).status_code == 404
    client.logout()
    assert client.get(pages[0]).status_code == 302


@pytest.mark.parametrize("field,value", [
    ("budget_2026", "abc"), ("budget_2027", "1e9"), ("budget_2028", "-5"), ("technology", "zzz"),
    ("title", ""), ("foreign_partner", "999999"),
])
def test_wrong_types_give_form_errors_not_500(client, field, value):
    world = make_world()
    client.force_login(world.lead)
    before = counts()
    r = client.post(reverse("proposal-create", args=[world.call.pk]), world.form(**{field: value}))
    assert r.status_code == 400
    assert 'class="error"' in r.content.decode()
    assert counts() == before


def test_share_with_wrong_type_is_a_form_error(client):
    world = make_world()
    proposal = create(client, world)
    before = counts()
    key = f"share_{world.lead.organisation_id}"
    r = client.post(reverse("proposal-edit", args=[proposal.pk]), world.form(**{key: "fifty"}))
    assert r.status_code == 400 and counts() == before
