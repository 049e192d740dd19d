"""Reads for testbeds: who may see which testbed, slot and booking."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch

from dure.accounts.models import Role
from dure.accounts.permissions import NotFoundOrForbidden
from dure.testbeds.models import Booking, Slot, Testbed

VIEWERS = (Role.MANAGER, Role.COMPANY, Role.RESEARCH)


def _active(slot_ref="pk"):
    return Booking.objects.filter(slot_id=OuterRef(slot_ref), cancelled_at__isnull=True)


def testbeds_visible_to(user):
    if not user.has_role(*VIEWERS):
        return Testbed.objects.none()
    return Testbed.objects.select_related("organisation").order_by("name", "pk")


def owns(user, testbed: Testbed) -> bool:
    """Whether ``user`` speaks for the research organisation that runs ``testbed``."""
    return user.has_role(Role.RESEARCH) and user.organisation_id is not None \
        and user.organisation_id == testbed.organisation_id


def access_testbed(user, testbed_id) -> Testbed:
    try:
        return testbeds_visible_to(user).get(pk=testbed_id)
    except (Testbed.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("testbed") from None


def slots_of(testbed: Testbed):
    """The testbed's slots with ``is_booked`` and, for the owner's page, the live booking."""
    live = Booking.objects.filter(cancelled_at__isnull=True).select_related("organisation", "booked_by")
    return (
        Slot.objects.filter(testbed=testbed)
        .annotate(is_booked=Exists(_active()))
        .prefetch_related(Prefetch("bookings", queryset=live, to_attr="live_bookings"))
        .order_by("start", "pk")
    )


def bookings_for(user):
    """A company's own bookings; for a research organisation, the bookings of its testbeds."""
    qs = Booking.objects.select_related("slot__testbed__organisation", "organisation", "booked_by")
    if user.organisation_id is None:
        return qs.none()
    if user.has_role(Role.COMPANY):
        return qs.filter(organisation_id=user.organisation_id)
    if user.has_role(Role.RESEARCH):
        return qs.filter(slot__testbed__organisation_id=user.organisation_id)
    return qs.none()


def access_booking(user, booking_id) -> Booking:
    """A booking its company or the testbed's organisation may act on."""
    try:
        return bookings_for(user).get(pk=booking_id)
    except (Booking.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("booking") from None


def access_slot(user, slot_id) -> Slot:
    if not user.has_role(*VIEWERS):
        raise NotFoundOrForbidden("slot")
    try:
        return Slot.objects.select_related("testbed__organisation").get(pk=slot_id)
    except (Slot.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("slot") from None

