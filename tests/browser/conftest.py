"""Headless Chromium (Debian's package) driven by Playwright, against pytest-django's live server.

The tests skip, saying why, when /usr/bin/chromium or the playwright package is missing.
Playwright's own browser downloads are never used: the browser is Debian's.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("DURE_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]



@pytest.fixture(scope="module")
def chromium():
    """One browser per test module; Playwright stops (and its event loop with it) at the module's end.

    While it runs, Playwright's sync API keeps an event loop in the test thread; the ORM calls
    the tests make beside it are plain synchronous code, so Django is told to allow them
    for that time only.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need the playwright package (pip install playwright); "
                    "never run `playwright install`: the browser is Debian's")
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def login(page, live_server, user) -> None:
    """Sign ``user`` in by handing the browser a session cookie made by Django's test client."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value,
                               "url": live_server.url}])


def shoot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as loaded."""
    # Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) stays on.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate("(src) => { (0, eval)(src); }", AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))",
        WCAG_TAGS,
    )
