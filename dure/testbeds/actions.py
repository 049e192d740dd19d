"""Every write to testbeds, slots and bookings.

Booking takes the slot's row lock (``select_for_update``) and checks for a live booking;
the database constraint ``one_active_booking_per_slot`` backs the check, so two bookings
of one slot can never both succeed, even when they arrive at the same instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from dure.accounts.errors import ActionError
from dure.accounts.models import Role, User
from dure.audit.actions import record
from dure.organisations.models import OrgKind
from dure.testbeds.models import Booking, Slot, Testbed
from dure.testbeds.selectors import owns

RESEARCH_KINDS = (OrgKind.GRI, OrgKind.UNIVERSITY)
MAX_SLOT_HOURS = 24 * 31


@dataclass(frozen=True)
class TestbedInput:
    name: str
    description: str
    location: str
    is_sample: bool = False


def check_create_testbed(user: User, data: TestbedInput) -> Testbed:
    """A research organisation lists one of its testbeds."""
    if not user.has_role(Role.RESEARCH) or user.organisation is None:
        raise ActionError("Only people of a research organisation can list a testbed.")
    if user.organisation.kind not in RESEARCH_KINDS:
        raise ActionError("Testbeds are listed by research institutes and universities.")
    problems: dict[str, list[str]] = {}
    for field in ("name", "description", "location"):
        if not getattr(data, field).strip():
            problems.setdefault(field, []).append("This is required.")
    if problems:
        raise ActionError(problems)
    with transaction.atomic():
        testbed = Testbed.objects.create(
            organisation=user.organisation, name=data.name.strip(), description=data.description.strip(),
            location=data.location.strip(), created_by=user, is_sample=data.is_sample,
        )
        record(user, "testbed.created", testbed, name=testbed.name)
    return testbed


def check_add_slot(user: User, testbed: Testbed, start: datetime, end: datetime, *, is_sample: bool = False,
                   now: datetime | None = None) -> Slot:
    """The testbed's organisation opens a period of use; periods of one testbed never overlap."""
    if not owns(user, testbed):
        raise ActionError("Only the organisation that runs this testbed can add slots.")
    now = now or timezone.now()
    problems: dict[str, list[str]] = {}
    if end <= start:
        problems["end"] = ["The slot must end after it starts."]
    elif (end - start).total_seconds() > MAX_SLOT_HOURS * 3600:
        problems["end"] = [f"A slot can last at most {MAX_SLOT_HOURS // 24} days; add several slots instead."]
    if start < now:
        problems.setdefault("start", []).append("The slot must start in the future.")
    if problems:
        raise ActionError(problems)
    with transaction.atomic():
        Testbed.objects.select_for_update().get(pk=testbed.pk)
        clash = Slot.objects.filter(testbed=testbed, start__lt=end, end__gt=start).first()
        if clash is not None:
            raise ActionError({"start": [f"It overlaps the slot {clash.start:%Y-%m-%d %H:%M}–{clash.end:%H:%M}."]})
        slot = Slot.objects.create(testbed=testbed, start=start, end=end, is_sample=is_sample)
        record(user, "testbed.slot_added", slot, testbed=testbed.pk, start=start.isoformat(), end=end.isoformat())
    return slot


def check_book_slot(user: User, slot: Slot, purpose: str, *, is_sample: bool = False,
                    now: datetime | None = None) -> Booking:
    """A company books a free slot; refused, with nothing written, when it is taken or past."""
    if not user.has_role(Role.COMPANY) or user.organisation_id is None:
        raise ActionError("Only company users can book a testbed.")
    purpose = (purpose or "").strip()
    if not purpose:
        raise ActionError({"purpose": ["Say what you will test, so the testbed's team can prepare."]})
    now = now or timezone.now()
    try:
        with transaction.atomic():
            slot = Slot.objects.select_for_update().select_related("testbed").get(pk=slot.pk)
            if slot.start <= now:
                raise ActionError("This slot has already started; choose a later one.")
            if Booking.objects.filter(slot=slot, cancelled_at__isnull=True).exists():
                raise ActionError("This slot is already booked; choose another one.")
            booking = Booking.objects.create(slot=slot, organisation_id=user.organisation_id, booked_by=user,
                                             purpose=purpose, is_sample=is_sample)
            record(user, "testbed.booked", booking, slot=slot.pk, testbed=slot.testbed_id)
            owner_email = slot.testbed.created_by.email
            if owner_email:
                subject = f"Testbed booked: {slot.testbed.name}"
                body = (f"{user.organisation} booked {slot.testbed.name} from {slot.start:%Y-%m-%d %H:%M} "
                        f"to {slot.end:%Y-%m-%d %H:%M} (UTC).\n\nPurpose: {purpose}")
                transaction.on_commit(lambda: send_mail(subject, body, None, [owner_email]))
    except IntegrityError:
        raise ActionError("This slot is already booked; choose another one.") from None
    return booking


def check_cancel_booking(user: User, booking: Booking, *, now: datetime | None = None) -> Booking:
    """The booking company or the testbed's organisation cancels; the slot becomes free again."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().select_related("slot__testbed").get(pk=booking.pk)
        is_company = user.has_role(Role.COMPANY) and user.organisation_id == booking.organisation_id
        if not (is_company or owns(user, booking.slot.testbed)):
            raise ActionError("Only the booking company or the testbed's organisation can cancel this booking.")
        if booking.cancelled_at is not None:
            raise ActionError("This booking is already cancelled.")
        if booking.slot.end <= now:
            raise ActionError("This slot is over; a past booking cannot be cancelled.")
        booking.cancelled_at = now
        booking.cancelled_by = user
        booking.save(update_fields=["cancelled_at", "cancelled_by"])
        record(user, "testbed.booking_cancelled", booking, slot=booking.slot_id)
    return booking
