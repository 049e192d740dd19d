import pytest


@pytest.fixture(autouse=True)
def keyword_affinity(settings):
    """Tests use the keyword affinity unless they ask for the matching engine."""
    settings.DURE_EXPERTISE_ENGINE = "keyword"
