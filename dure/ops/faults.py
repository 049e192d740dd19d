"""Answers for faults of the machine rather than of the request: a full disk, a lost database.

Both are temporary and say nothing about the user's input, so the answer is
``503 Service Unavailable`` with ``Retry-After`` and a message that says what happened and
what to do, instead of a bare 500. The transaction around the action has rolled back by
then (Django's atomic blocks), so nothing half-written remains; a retry is safe (the API's
submissions carry an Idempotency-Key, so a retry never creates a second submission).

Install ``dure.ops.faults.ServiceUnavailableMiddleware`` in MIDDLEWARE (any position after
the session and auth middleware); the API registers ``service_unavailable`` itself.
"""

from __future__ import annotations

import errno
import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

log = logging.getLogger("dure.ops")

RETRY_AFTER_SECONDS = 30
_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


def fault_message(exc: BaseException) -> str | None:
    """The user-facing message for a machine fault, or None when ``exc`` is not one."""
    if isinstance(exc, OSError) and exc.errno in _DISK_ERRNOS:
        return _("The server's storage is full, so nothing was saved. Try again in a few minutes; "
                 "if this persists, tell the programme office.")
    if isinstance(exc, OperationalError | InterfaceError):
        return _("The database could not be reached, so the request may not have been completed. "
                 "Try again in a few minutes: a repeated submission never creates a second one.")
    return None


def service_unavailable(request, exc: BaseException, *, json: bool) -> HttpResponse | None:
    message = fault_message(exc)
    if message is None:
        return None
    log.error("fault on %s %s: %r", request.method, request.path, exc)
    if json:
        response = JsonResponse({"detail": message}, status=503)
    else:
        title = _("Service unavailable")
        response = HttpResponse(f"<!doctype html><title>503</title><h1>{title}</h1><p>{message}</p>",
                                status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class ServiceUnavailableMiddleware:
    """Turns a full disk or a lost database connection into a clear 503 (see the module doc)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        return service_unavailable(request, exc, json=request.path.startswith("/api/"))
