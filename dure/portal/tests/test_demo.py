"""The demo loaders of agreements, outcomes and the portal, run in the order the demo runner uses."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dure.agreements import actions as agreement_actions
from dure.agreements import demo as agreements_demo
from dure.agreements.tests.builders import make_selected_proposal
from dure.organisations.models import OrgKind
from dure.outcomes import demo as outcomes_demo
from dure.outcomes.models import OutcomeReport
from dure.portal import demo as portal_demo
from dure.portal.models import CommentStatus
from dure.testing.factories import (
    make_citizen,
    make_manager,
    make_org,
    make_research_user,
    make_track,
)

pytestmark = pytest.mark.django_db


def test_demo_stages_load_and_pages_render(client):
    manager = make_manager()
    track = make_track(requires_foreign_partner=True)
    proposals = [make_selected_proposal(track=track, title=f"Sample project {i}") for i in range(3)]
    orgs = {"mit": make_org(OrgKind.FOREIGN, country="US", name="MIT"),
            "stanford": make_org(OrgKind.FOREIGN, country="US", name="Stanford")}
    ctx = {"selected": proposals, "orgs": orgs,
           "users": {"manager": manager, "citizen": make_citizen(), "research": make_research_user()}}
    agreements_demo.load(ctx)
    outcomes_demo.load(ctx)
    portal_demo.load(ctx)

    statuses = sorted(a.status for a in ctx["agreements"])
    assert statuses == ["draft", "signed", "signed"]
    unsigned = ctx["unsigned_agreement"]
    assert any("실시권" in p for p in agreement_actions.signing_problems(unsigned))
    assert OutcomeReport.objects.filter(is_sample=True).count() == 2
    assert [c.status for c in ctx["comments"]].count(CommentStatus.HELD) == 1
    assert ctx["comments"][0].answer

    client.force_login(manager)
    for name in ("agreements", "cooperation-centres", "manager-dashboard", "portal-moderation"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("agreement-detail", args=[unsigned.pk])).status_code == 200
    client.logout()
    page = client.get(reverse("portal") + "?lang=en").content.decode()
    assert "Sample project 0" in page and "licence to practise" in page
