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


def not_found(request, exception=None):
    return render(request, "web/not_found.html", status=404)


def rate_limited(request, exception=None):
    response = render(request, "web/rate_limited.html", status=429)
    response["Retry-After"] = "60"
    return response
