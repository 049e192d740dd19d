from django.shortcuts import redirect, render
from django.urls import reverse

from dure.accounts.models import Role

_ROLE_HOME = {
    Role.MANAGER: "programme",
    Role.COMPANY: "demands",
    Role.RESEARCH: "demands",
    Role.REVIEWER: "my-reviews",
    Role.AUDITOR: "audit-log",
    Role.PUBLIC: "portal",
}


def home(request):
    user = request.user
    if user.is_authenticated and user.is_active:
        return redirect(reverse(_ROLE_HOME.get(user.role, "portal")))
    return render(request, "web/home.html")


# Where each section of the site starts for each role: the README names the section roots
# (/review/, /selection/ …), so a person who types one lands on its first page, not a 404.
_SECTION_START = {
    "partners": {None: "demands"},
    "review": {Role.REVIEWER: "my-reviews", Role.AUDITOR: "unseal-requests", Role.MANAGER: "calls", None: "home"},
    "expertise": {None: "expertise-people"},
    "selection": {None: "calls"},
    "outcomes": {Role.MANAGER: "manager-dashboard", None: "portal"},
}


def section_start(request, section: str):
    """Redirect a section root to the page that section starts with for this person's role."""
    starts = _SECTION_START[section]
    role = getattr(request.user, "role", None) if request.user.is_authenticated else None
    return redirect(reverse(starts.get(role, starts[None])))


def not_found(request, exception=None):
    return render(request, "web/not_found.html", status=404)


def rate_limited(request, exception=None):
    response = render(request, "web/rate_limited.html", status=429)
    response["Retry-After"] = "60"
    return response
