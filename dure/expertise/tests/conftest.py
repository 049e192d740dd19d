import pytest


@pytest.fixture(autouse=True)
def keyword_affinity(settings):
    """Tests use the keyword affinity unless they ask for the matching engine."""
    settings.DURE_EXPERTISE_ENGINE = "keyword"


@pytest.fixture(autouse=True)
def english_pages(client, settings):
    """Pages in English, so the assertions read the msgids."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
