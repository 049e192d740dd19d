"""Sign-in and search are rate-limited: guessing passwords or scraping gets a 429."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from dure.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters(settings):
    settings.DURE_RATE_LOGIN = "3/m"
    settings.DURE_RATE_SEARCH = "5/m"
    cache.clear()
    yield
    cache.clear()


def test_password_guessing_is_stopped(client):
    user = f.make_manager()
    codes = [client.post(reverse("login"), {"username": user.username, "password": f"wrong{i}"}).status_code for i in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    # Even the right password is refused until the window passes: no oracle for guessers.
    assert client.post(reverse("login"), {"username": user.username, "password": f.PASSWORD}).status_code == 429


def test_organisation_search_is_rate_limited(client):
    client.force_login(f.make_research_user())
    codes = [client.get("/api/organisations", {"q": "Korea"}).status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
