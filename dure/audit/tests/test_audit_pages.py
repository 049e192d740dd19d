"""Unsealing needs a witness; the audit log shows each role what it may see; the chain verifies."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from dure.audit.models import AuditEvent
from dure.cli import main as dure_main
from dure.programmes.workflow import CallStatus, StageKind
from dure.review.actions import check_assign_reviewer, check_decide_stage
from dure.review.models import ReviewerPseudonym, UnsealRequest
from dure.review.tests.builders import make_proposal
from dure.testing.factories import make_auditor, make_call, make_manager, make_reviewer

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed():
    manager = make_manager()
    call = make_call(status=CallStatus.CLOSED)
    proposal = make_proposal(call)
    check_decide_stage(manager, call.stages.get(kind=StageKind.ELIGIBILITY), proposal, "pass", "eligible")
    reviewer = make_reviewer()
    check_assign_reviewer(manager, call.stages.get(kind=StageKind.WRITTEN), proposal, reviewer)
    return manager, proposal, reviewer


def test_unsealing_requires_a_second_person(client, reviewed):
    manager, proposal, reviewer = reviewed
    auditor, auditor2 = make_auditor(), make_auditor()
    client.force_login(auditor)
    r = client.post(reverse("unseal-requests"), {"proposal": proposal.pk, "reason": "short"})
    assert r.status_code == 400 and not UnsealRequest.objects.exists()
    r = client.post(reverse("unseal-requests"),
                    {"proposal": proposal.pk, "reason": "Complaint that a reviewer had a conflict."}, follow=True)
    req = UnsealRequest.objects.get()
    page = r.content.decode()
    assert reviewer.display_name not in page and reviewer.username not in page
    # The requester cannot witness their own request.
    client.post(reverse("unseal-witness", args=[req.pk]))
    req.refresh_from_db()
    assert req.status == "pending"
    assert reviewer.display_name not in client.get(reverse("unseal-detail", args=[req.pk])).content.decode()
    # A reviewer or applicant cannot see or witness anything.
    client.force_login(reviewer)
    assert client.get(reverse("unseal-detail", args=[req.pk])).status_code == 404
    assert client.post(reverse("unseal-witness", args=[req.pk])).status_code == 404
    # A second auditor witnesses; they do not see the identities themselves.
    client.force_login(auditor2)
    page = client.post(reverse("unseal-witness", args=[req.pk]), follow=True).content.decode()
    req.refresh_from_db()
    assert req.status == "witnessed" and req.witness == auditor2
    assert reviewer.display_name not in page
    # Now the requester sees pseudonym -> person, and the viewing is logged.
    client.force_login(auditor)
    page = client.get(reverse("unseal-detail", args=[req.pk])).content.decode()
    code = ReviewerPseudonym.objects.get(reviewer=reviewer).code
    assert reviewer.display_name in page and code in page
    actions = set(AuditEvent.objects.filter(sensitive=True).values_list("action", flat=True))
    assert {"unseal.requested", "unseal.witnessed", "unseal.viewed"} <= actions


def test_manager_can_witness_but_never_request(client, reviewed):
    manager, proposal, reviewer = reviewed
    client.force_login(manager)
    client.post(reverse("unseal-requests"), {"proposal": proposal.pk, "reason": "A manager wants to know who."})
    assert not UnsealRequest.objects.exists()
    auditor = make_auditor()
    req = UnsealRequest.objects.create(proposal=proposal, requested_by=auditor, reason="Formal complaint received.")
    client.post(reverse("unseal-witness", args=[req.pk]), {"decision": "refuse"})
    req.refresh_from_db()
    assert req.status == "refused"
    client.force_login(auditor)
    assert reviewer.display_name not in client.get(reverse("unseal-detail", args=[req.pk])).content.decode()


def test_audit_log_hides_sensitive_events_from_managers(client, reviewed):
    manager, proposal, reviewer = reviewed
    assert AuditEvent.objects.filter(action="review.assigned", sensitive=True).exists()
    client.force_login(manager)
    page = client.get(reverse("audit-log")).content.decode()
    assert "stage.decision" in page and "review.assigned" not in page
    client.force_login(make_auditor())
    page = client.get(reverse("audit-log")).content.decode()
    assert "stage.decision" in page and "review.assigned" in page
    client.force_login(reviewer)
    assert client.get(reverse("audit-log")).status_code == 404


def test_verify_command_passes_then_fails_on_a_tampered_event(reviewed, capsys):
    assert dure_main(["audit", "verify"]) == 0
    assert "ok" in capsys.readouterr().out
    event = AuditEvent.objects.filter(action="stage.decision").get()
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {AuditEvent._meta.db_table} SET action = %s WHERE id = %s", ["stage.tampered", event.pk])
    assert dure_main(["audit", "verify"]) == 1
    assert "BROKEN" in capsys.readouterr().err
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {AuditEvent._meta.db_table} SET action = %s WHERE id = %s", [event.action, event.pk])
    assert dure_main(["audit", "verify"]) == 0
