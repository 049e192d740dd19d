"""The public portal through HTTP: aggregates without personal data, comments and moderation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dure.accounts.models import User
from dure.agreements.actions import (
    DispatchInput,
    IPTermsInput,
    check_add_dispatch,
    check_save_ip_terms,
    check_sign_agreement,
    do_draft_agreement,
)
from dure.agreements.tests.builders import make_selected_proposal
from dure.outcomes.models import OutcomeReport
from dure.portal.models import Comment, CommentStatus
from dure.portal.moderation import abusive_words
from dure.proposals.workflow import ProposalStatus
from dure.testing.factories import make_citizen, make_company_user, make_manager, make_research_user

pytestmark = pytest.mark.django_db


def _world():
    manager = make_manager()
    lead = make_research_user()
    funded = make_selected_proposal(lead_user=lead, title="Funded magnet project")
    agreement = do_draft_agreement(manager, funded)
    company = funded.members.get(role="sme").organisation
    check_save_ip_terms(manager, agreement, IPTermsInput("Shared", company, "Licence to practise in Korea"))
    check_sign_agreement(manager, agreement)
    check_add_dispatch(manager, agreement, DispatchInput("Dr. Dispatched Person", lead.organisation,
                                                         funded.foreign_partner, *_dates(agreement)))
    OutcomeReport.objects.create(agreement=agreement, year=2026, papers=5, patents=3, submitted_by=lead)
    unfunded = make_selected_proposal(track=funded.call.track, status=ProposalStatus.NOT_SELECTED,
                                      title="Rejected secret project")
    return manager, lead, funded, unfunded


def _dates(agreement):
    return agreement.start_date, agreement.end_date


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_portal_shows_aggregates_and_no_personal_data(client, lang):
    manager, lead, funded, unfunded = _world()
    citizen = make_citizen()
    client.force_login(citizen)
    client.post(reverse("portal-comment"), {"body": "What will the magnets be used for?"})
    client.logout()

    response = client.get(reverse("portal") + f"?lang={lang}")
    assert response.status_code == 200
    text = response.content.decode()
    assert f'<html lang="{lang}">' in text
    assert "Funded magnet project" in text and "A plain summary for everyone." in text
    assert "What will the magnets be used for?" in text
    figs = response.context["figs"]
    assert figs.committed_krw == funded.agreement.total_krw
    assert figs.international_share == 1.0
    assert {r["code"] for r in figs.partners_by_country} == {"KR", "US"}
    assert figs.outcomes_by_year == [(2026, {"papers": 5, "patents": 3, "licences": 0, "transfer_fee_krw": 0,
                                             "revenue_krw": 0, "jobs": 0})]
    # Nothing about people, reviews or unfunded proposals.
    assert "Rejected secret project" not in text
    assert "Confidential abstract text." not in text
    assert "Dr. Dispatched Person" not in text
    for user in User.objects.all():
        for value in (user.username, user.email, user.display_name):
            assert value and value not in text, value
    # Charts are data blocks drawn by a static script; every table has a caption.
    assert 'type="application/json"' in text and "<script>" not in text
    assert text.count("<table") == text.count("<caption")


def test_plotly_and_map_assets_are_served(client):
    response = client.get(reverse("portal-plotly-js"))
    assert response.status_code == 200 and response["Content-Type"] == "text/javascript"
    assert client.get("/static/dure/topojson/world_110m.json").status_code == 200
    assert client.get("/static/dure/charts.js").status_code == 200


def test_comment_moderation(client):
    manager = make_manager()
    citizen = make_citizen()
    client.force_login(citizen)
    client.post(reverse("portal-comment"), {"body": "Please publish the outcomes in Korean too."})
    client.post(reverse("portal-comment"), {"body": "You are all idiots"})
    kind, rude = Comment.objects.order_by("pk")
    assert kind.status == CommentStatus.VISIBLE
    assert rude.status == CommentStatus.HELD and rude.flagged_words == ["idiots"]
    page = client.get(reverse("portal")).content.decode()
    assert "Korean too" in page and "idiots" not in page

    # Citizens cannot moderate; empty comments are refused and change nothing.
    assert client.post(reverse("portal-comment-hide", args=[kind.pk]), {"reason": "x"}).status_code == 404
    assert client.post(reverse("portal-comment"), {"body": "   "}).status_code == 400
    assert Comment.objects.count() == 2

    client.force_login(manager)
    assert "idiots" in client.get(reverse("portal-moderation")).content.decode()
    client.post(reverse("portal-comment-answer", args=[kind.pk]), {"answer": "Yes, both languages."})
    client.post(reverse("portal-comment-hide", args=[kind.pk]), {"reason": ""})  # a reason is required
    kind.refresh_from_db()
    assert kind.status == CommentStatus.VISIBLE
    client.post(reverse("portal-comment-hide", args=[kind.pk]), {"reason": "Off topic advertising"})
    kind.refresh_from_db()
    assert kind.status == CommentStatus.HIDDEN and kind.moderation_reason == "Off topic advertising"
    client.logout()
    page = client.get(reverse("portal")).content.decode()
    assert "Korean too" not in page and "Yes, both languages." not in page


def test_only_citizens_comment(client):
    for user in (make_manager(), make_company_user()):
        client.force_login(user)
        assert client.post(reverse("portal-comment"), {"body": "hello"}).status_code == 404
    client.logout()
    assert client.post(reverse("portal-comment"), {"body": "hello"}).status_code == 302  # to sign in
    assert Comment.objects.count() == 0


def test_word_list():
    assert abusive_words("This is a classic assessment") == []
    assert abusive_words("정말 병신같은 사업") == ["병신"]
    assert abusive_words("FUCK this") == ["fuck"]
