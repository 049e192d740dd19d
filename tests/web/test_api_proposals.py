"""The proposal API: token auth, idempotent submission, versions, and no access across organisations."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dure.accounts.actions import do_create_api_token
from dure.proposals.models import Proposal, Submission
from dure.proposals.receipts import verify_submission
from dure.proposals.tests.helpers import make_world
from dure.testing import factories as f

pytestmark = pytest.mark.django_db


def _draft(client, world) -> Proposal:
    client.force_login(world.lead)
    response = client.post(reverse("proposal-create", args=[world.call.pk]) + f"?consortium={world.consortium.pk}", world.form())
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    return Proposal.objects.get()


def _auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {do_create_api_token(user, 'test')}"}


def test_submit_is_idempotent_and_versions_follow_edits(client):
    world = make_world()
    proposal = _draft(client, world)
    auth = _auth(world.lead)
    url = f"/api/proposals/{proposal.pk}/submit"
    first = client.post(url, HTTP_IDEMPOTENCY_KEY="key-00000001", **auth)
    retry = client.post(url, HTTP_IDEMPOTENCY_KEY="key-00000001", **auth)
    assert first.status_code == retry.status_code == 200
    assert first.json() == retry.json() and first.json()["version"] == 1
    assert Submission.objects.count() == 1

    edited = client.patch(f"/api/proposals/{proposal.pk}", {"abstract": "Second version of the abstract."},
                          content_type="application/json", **auth)
    assert edited.status_code == 200, edited.content
    second = client.post(url, HTTP_IDEMPOTENCY_KEY="key-00000002", **auth)
    assert second.json()["version"] == 2 and second.json()["abstract"] == "Second version of the abstract."
    receipts = client.get(f"/api/proposals/{proposal.pk}/receipts", **auth).json()
    assert [r["version"] for r in receipts] == [1, 2]
    assert all(verify_submission(s) for s in Submission.objects.all())


def test_bad_requests_get_clear_422s_and_change_nothing(client):
    world = make_world()
    proposal = _draft(client, world)
    auth = _auth(world.lead)
    missing_key = client.post(f"/api/proposals/{proposal.pk}/submit", **auth)
    assert missing_key.status_code == 422 and "idempotency" in str(missing_key.json()["problems"]).lower()
    empty_title = client.patch(f"/api/proposals/{proposal.pk}", {"title": ""}, content_type="application/json", **auth)
    assert empty_title.status_code == 422 and "title" in empty_title.json()["problems"]
    wrong_type = client.patch(f"/api/proposals/{proposal.pk}", {"title": 12}, content_type="application/json", **auth)
    assert wrong_type.status_code == 422
    proposal.refresh_from_db()
    assert Submission.objects.count() == 0 and proposal.title and proposal.version == 0


def test_other_organisations_and_anonymous_get_the_same_404(client):
    world = make_world()
    proposal = _draft(client, world)
    outsider = _auth(f.make_research_user())
    for method, url in [("get", f"/api/proposals/{proposal.pk}"), ("get", f"/api/proposals/{proposal.pk}/receipts"),
                        ("post", f"/api/proposals/{proposal.pk}/submit")]:
        mine = getattr(client, method)(url, HTTP_IDEMPOTENCY_KEY="key-00000009", **outsider)
        missing = getattr(client, method)("/api/proposals/999999" + url.split(str(proposal.pk))[1],
                                          HTTP_IDEMPOTENCY_KEY="key-00000009", **outsider)
        assert mine.status_code == missing.status_code == 404 and mine.json() == missing.json()
    assert client.get(f"/api/proposals/{proposal.pk}").status_code == 401
    assert Submission.objects.count() == 0


def test_a_revoked_or_made_up_token_is_refused(client):
    world = make_world()
    _draft(client, world)
    assert client.get("/api/proposals", HTTP_AUTHORIZATION="Bearer dure_madeup").status_code == 401


def test_a_late_retry_never_puts_old_text_into_a_new_version(client):
    world = make_world()
    proposal = _draft(client, world)
    auth = _auth(world.lead)
    url = f"/api/proposals/{proposal.pk}/submit"
    first = client.post(url, {"abstract": "first text"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-first-1", **auth)
    second = client.post(url, {"abstract": "second text"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-second-2", **auth)
    # The first request's retry arrives late, after the second version.
    late = client.post(url, {"abstract": "first text"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-first-1", **auth)
    assert late.json() == first.json() and second.json()["version"] == 2
    proposal.refresh_from_db()
    assert proposal.abstract == "second text" and proposal.version == 2
    assert [s.snapshot["abstract"] for s in Submission.objects.order_by("version")] == ["first text", "second text"]
