"""The typed JSON API. Its OpenAPI schema is committed (dure/api/openapi.json) and CI checks
that the generated one equals it (``dure schema --check``; ``make schema`` rewrites it).

Authentication: the browser session (with CSRF on writes). Every object is fetched through
the same ``access_*`` functions as the pages, so the API can never show more than the pages.
"""

from __future__ import annotations

from django.db import InterfaceError, OperationalError
from django.http import Http404
from django_ratelimit.exceptions import Ratelimited
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, django_auth

from dure import __version__
from dure.accounts.errors import ActionError
from dure.ops.faults import service_unavailable


class TokenAuth(HttpBearer):
    """``Authorization: Bearer dure_…`` for scripts; tokens come from ``dure token``."""

    def authenticate(self, request, token):
        from dure.accounts.actions import user_for_token

        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class JsonParser(Parser):
    """JSON bodies; an empty body counts as ``{}`` (a bare POST needs no "{}")."""

    def parse_body(self, request):
        if not request.body.strip():
            return {}
        if request.content_type == "multipart/form-data" and not request.POST and not request.FILES:
            return {}  # an empty form post, as some clients send for a bare POST
        return super().parse_body(request)


api = NinjaAPI(
    parser=JsonParser(),
    title="Dure API",
    version=__version__,
    description="Collaborative R&D programmes: programme, calls, proposals, evaluation, outcomes.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    docs_url="/docs",
)


@api.exception_handler(ActionError)
def action_error(request, exc: ActionError):
    return api.create_response(request, {"detail": "invalid input", "problems": exc.problems}, status=422)


@api.exception_handler(Ratelimited)
def rate_limited(request, exc):
    response = api.create_response(request, {"detail": "Too many requests; wait a minute."}, status=429)
    response["Retry-After"] = "60"
    return response


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def database_unavailable(request, exc):
    # A lost database connection: 503 with Retry-After; a retry with the same Idempotency-Key is safe.
    return service_unavailable(request, exc, json=True)


@api.exception_handler(NinjaValidationError)
def invalid(request, exc: NinjaValidationError):
    problems: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload"))
        problems.setdefault(loc or "__all__", []).append(err.get("msg", "invalid value"))
    return api.create_response(request, {"detail": "invalid input", "problems": problems}, status=422)


from dure.api import routers  # noqa: E402,F401  (registers the routers on ``api``)
