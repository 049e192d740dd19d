"""Testbeds that research organisations open to companies, their time slots and bookings.

A slot holds one booking at a time: the partial unique constraint
``one_active_booking_per_slot`` makes a second live booking of the same slot impossible in
the database itself, whatever the application does; a cancelled booking frees the slot.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Testbed(models.Model):
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="testbeds")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"))
    location = models.CharField(_("location"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Slot(models.Model):
    """A period of use of a testbed, for one company at a time."""

    testbed = models.ForeignKey(Testbed, on_delete=models.CASCADE, related_name="slots")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="slot_ends_after_start"),
            models.UniqueConstraint(fields=["testbed", "start"], name="one_slot_per_testbed_start"),
        ]

    def __str__(self) -> str:
        return f"{self.testbed} {self.start:%Y-%m-%d %H:%M}"


class Booking(models.Model):
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="testbed_bookings")
    purpose = models.TextField(_("purpose"))
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ["slot__start", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["slot"], condition=Q(cancelled_at__isnull=True),
                                    name="one_active_booking_per_slot"),
        ]

    @property
    def is_active(self) -> bool:
        return self.cancelled_at is None
