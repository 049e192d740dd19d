import pytest


@pytest.fixture(autouse=True)
def english(client, settings):
    """Pages in English, so the tests read the English messages."""
    settings.LANGUAGE_CODE = "en"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
