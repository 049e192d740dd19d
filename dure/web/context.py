"""What every page needs: the navigation for the signed-in person's role."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dure.accounts.models import Role

# Companies and research organisations use the same pages, each seeing its own organisation's data.
_APPLICANT_NAV = [
    ("programme", _("Programme")),
    ("calls", _("Calls")),
    ("demands", _("Demands")),
    ("offers", _("Offers")),
    ("consortia", _("Consortia")),
    ("my-proposals", _("My proposals")),
    ("agreements", _("Agreements")),
    ("testbeds", _("Testbeds")),
    ("cooperation-centres", _("Cooperation centres")),
]

_NAV = {
    Role.MANAGER: [
        ("programme", _("Programme")),
        ("calls", _("Calls")),
        ("manager-dashboard", _("Dashboard")),
        ("cooperation-centres", _("Cooperation centres")),
        ("portal-moderation", _("Comments")),
        ("audit-log", _("Audit log")),
    ],
    Role.COMPANY: _APPLICANT_NAV,
    Role.RESEARCH: _APPLICANT_NAV,
    Role.REVIEWER: [("my-reviews", _("My reviews"))],
    Role.AUDITOR: [("audit-log", _("Audit log")), ("unseal-requests", _("Unsealing"))],
    Role.PUBLIC: [],
}


def navigation(request):
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        for name, label in _NAV.get(user.role, []):
            items.append({"url": reverse(name), "label": label, "active": request.path.startswith(reverse(name))})
    return {"nav_items": items, "portal_url": reverse("portal")}
