from django.core.paginator import Paginator
from django.shortcuts import render

from dure.accounts.models import Role
from dure.accounts.permissions import role_required
from dure.audit import selectors


@role_required(Role.MANAGER, Role.AUDITOR)
def audit_log(request):
    qs = selectors.events_visible_to(request.user)
    action = request.GET.get("action", "").strip()
    if action:
        qs = qs.filter(action__startswith=action)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {"page": page, "action": action})
