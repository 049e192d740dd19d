"""Role checks shared by every app.

"Forbidden" and "not found" look the same to the caller: a person who may not see a thing
gets the same 404 as for a thing that does not exist, so no page reveals that a hidden
object (a review, a proposal, an assignment) exists.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404


class NotFoundOrForbidden(Http404):
    """Raised by every ``access_*`` function; rendered as an ordinary 404."""

    def __init__(self, what: str = "page"):
        super().__init__(f"No such {what}.")


def role_required(*roles: str):
    """Views for signed-in people in one of ``roles``; others get a login or a 404."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.has_role(*roles):
                raise NotFoundOrForbidden()
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = roles  # read by the permission-matrix test
        return wrapped

    return decorator
