"""Reads of the audit log: managers see ordinary events, auditors see every event."""

from __future__ import annotations

from dure.accounts.models import Role
from dure.audit.models import AuditEvent


def events_visible_to(user):
    if user.has_role(Role.AUDITOR):
        qs = AuditEvent.objects.all()
    elif user.has_role(Role.MANAGER):
        qs = AuditEvent.objects.filter(sensitive=False)
    else:
        qs = AuditEvent.objects.none()
    return qs.select_related("actor").order_by("-seq")
