"""A manager opens a call with eligibility rules; nobody else can; bad input changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dure.audit.models import AuditEvent
from dure.programmes.models import Call, Stage, Track
from dure.programmes.workflow import CallStatus, StageKind
from dure.testing import factories as f

pytestmark = pytest.mark.django_db


def _form(track_obj, **over):
    data = {
        "track": track_obj.pk, "name_ko": "반도체 패키징 공고", "name_en": "Packaging call",
        "description": "", "opens_at": "2026-12-01T09:00", "deadline": "2027-01-15T18:00",
        "grace_seconds": "0", "first_year": "2027", "duration_years": "3",
        "max_budget_per_year_krw": "2000000000", "min_members": "2", "max_members": "6",
        "requires_foreign_partner": "on", "requires_company": "on", "requires_ip_plan": "on",
        "requires_industry_reviewer": "on", "reviewers_per_proposal": "3",
    }
    data.update(over)
    return data


def test_manager_creates_and_opens_a_call_with_its_stages(client):
    manager = f.make_manager()
    track = f.make_track(code=Track.Code.CHOKEPOINT, requires_foreign_partner=True)
    client.force_login(manager)
    response = client.post(reverse("call-create"), _form(track))
    call = Call.objects.get()
    assert response.status_code == 302 and response.url == reverse("call-detail", args=[call.pk])
    assert call.status == CallStatus.DRAFT
    kinds = list(Stage.objects.filter(call=call).values_list("kind", flat=True))
    assert kinds == [StageKind.ELIGIBILITY, StageKind.WRITTEN, StageKind.PANEL, StageKind.COOPERATION, StageKind.COMMITTEE]

    response = client.post(reverse("call-transition", args=[call.pk]), {"status": CallStatus.OPEN}, follow=True)
    call.refresh_from_db()
    assert call.status == CallStatus.OPEN
    page = response.content.decode()
    assert "Packaging call" in page or "반도체 패키징 공고" in page
    assert AuditEvent.objects.filter(action="call.transition", object_id=str(call.pk)).exists()


def test_a_call_can_not_skip_a_state(client):
    manager = f.make_manager()
    call = f.make_call(status=CallStatus.DRAFT)
    client.force_login(manager)
    response = client.post(reverse("call-transition", args=[call.pk]), {"status": CallStatus.DECIDED}, follow=True)
    call.refresh_from_db()
    assert call.status == CallStatus.DRAFT
    assert response.status_code == 200


@pytest.mark.parametrize(
    "override, field",
    [
        ({"deadline": "2026-11-30T09:00"}, "deadline"),
        ({"max_budget_per_year_krw": "abc"}, "max_budget_per_year_krw"),
        ({"max_budget_per_year_krw": "-5"}, "max_budget_per_year_krw"),
        ({"requires_foreign_partner": ""}, "requires_foreign_partner"),
        ({"name_en": ""}, "name_en"),
        ({"track": "999999"}, "track"),
    ],
)
def test_bad_call_input_is_refused_and_nothing_is_saved(client, override, field):
    manager = f.make_manager()
    track = f.make_track(code=Track.Code.CHOKEPOINT, requires_foreign_partner=True)
    client.force_login(manager)
    events = AuditEvent.objects.count()
    response = client.post(reverse("call-create"), _form(track, **override))
    assert response.status_code == 400
    assert Call.objects.count() == 0 and AuditEvent.objects.count() == events
    assert field in response.context["form"].errors or response.context["form"].non_field_errors()


@pytest.mark.parametrize("role_factory", [f.make_company_user, f.make_research_user, f.make_reviewer, f.make_auditor, f.make_citizen])
def test_only_managers_create_calls(client, role_factory):
    track = f.make_track()
    client.force_login(role_factory())
    response = client.post(reverse("call-create"), _form(track))
    assert response.status_code == 404
    assert Call.objects.count() == 0


def test_applicants_never_see_draft_calls(client):
    draft = f.make_call(status=CallStatus.DRAFT)
    client.force_login(f.make_company_user())
    assert client.get(reverse("call-detail", args=[draft.pk])).status_code == 404
    assert "Test call" not in client.get(reverse("calls")).content.decode()
