"""The section roots named in the README (/partners/, /review/ …) lead each role somewhere useful."""

from __future__ import annotations

import pytest
from django.test import Client

from dure.testing import factories as f


def _land(user, url: str):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url, follow=True)


@pytest.mark.django_db
@pytest.mark.parametrize("maker, url, lands_on", [
    (f.make_manager, "/review/", "/programme/calls/"),
    (f.make_manager, "/selection/", "/programme/calls/"),
    (f.make_manager, "/expertise/", "/expertise/people/"),
    (f.make_manager, "/outcomes/", "/outcomes/dashboard/"),
    (f.make_reviewer, "/review/", "/review/mine/"),
    (f.make_auditor, "/review/", "/review/unseal/"),
    (f.make_company_user, "/partners/", "/partners/demands/"),
    (f.make_research_user, "/partners/", "/partners/demands/"),
    (f.make_citizen, "/outcomes/", "/public/"),
])
def test_a_section_root_opens_the_sections_first_page_for_the_role(maker, url, lands_on):
    response = _land(maker(), url)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == lands_on


@pytest.mark.django_db
def test_a_section_root_never_opens_a_page_the_role_may_not_see():
    assert _land(f.make_company_user(), "/expertise/").status_code == 404
    signed_out = _land(None, "/expertise/")
    assert signed_out.redirect_chain[-1][0].startswith("/accounts/login/")
    assert _land(None, "/review/").redirect_chain[-1][0] == "/"
