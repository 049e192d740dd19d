"""Click through the manager dashboard and the public portal in Korean and English,
save screenshots, and check the public pages with axe-core (WCAG 2.1 A/AA)."""

from __future__ import annotations

import pytest

from dure.portal.tests.test_portal import _world
from dure.testing.factories import make_citizen
from tests.browser.conftest import axe_violations, login, shoot

pytestmark = pytest.mark.django_db(transaction=True)

LANGS = (("ko", "한국어"), ("en", "English"))


def _switch(page, lang: str, label: str) -> None:
    page.get_by_role("link", name=label, exact=True).first.click()
    page.wait_for_load_state("load")
    assert page.get_attribute("html", "lang") == lang


def _charts_drawn_in_place(page) -> None:
    """Every chart is drawn, its SVG layers (plot, title, legend) laid over each other inside it."""
    page.wait_for_selector(".js-plotly-plot", state="attached")
    offsets = page.evaluate(
        "() => Array.from(document.querySelectorAll('.chart')).map(c => Array.from(c.querySelectorAll('.main-svg'))"
        ".map(s => Math.round(s.getBoundingClientRect().top - c.getBoundingClientRect().top)))")
    assert offsets and all(layers and set(layers) == {0} for layers in offsets), offsets


def _no_violations(page, where: str) -> None:
    found = axe_violations(page)
    assert found == [], f"{where}: " + "; ".join(f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in found)


def test_public_portal_in_both_languages_meets_wcag(page, live_server):
    _world()
    page.goto(f"{live_server.url}/public/")
    for lang, label in LANGS:
        _switch(page, lang, label)
        _charts_drawn_in_place(page)
        assert page.locator("h1").first.is_visible()
        assert "Funded magnet project" in page.content()
        shoot(page, f"portal-{lang}")
        _no_violations(page, f"portal ({lang})")


def test_citizen_comments_on_the_portal(page, live_server):
    _world()
    citizen = make_citizen()
    login(page, live_server, citizen)
    page.goto(f"{live_server.url}/public/?lang=en")
    page.locator("form[action$='/comments/'] textarea").fill("Which companies will use the magnets?")
    page.get_by_role("button", name="Post the comment").click()
    page.wait_for_load_state("load")
    shoot(page, "portal-comment-en")
    _no_violations(page, "portal after a comment (en)")


def test_manager_dashboard_in_both_languages(page, live_server):
    manager, _lead, _funded, _unfunded = _world()
    login(page, live_server, manager)
    page.goto(f"{live_server.url}/outcomes/dashboard/")
    for lang, label in LANGS:
        _switch(page, lang, label)
        _charts_drawn_in_place(page)
        shoot(page, f"dashboard-{lang}")
        _no_violations(page, f"dashboard ({lang})")
    with page.expect_download() as download:
        page.locator("a[href$='dashboard.pdf']").click()
    assert download.value.suggested_filename.endswith("-en.pdf")
    with page.expect_download() as download:
        page.locator("a[href$='dashboard.xlsx']").click()
    assert download.value.suggested_filename.endswith(".xlsx")
