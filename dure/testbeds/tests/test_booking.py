"""Testbeds: listing, slots, booking (one company per slot, even at the same instant), cancelling."""
# ruff: noqa: E402

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings

if not apps.is_installed("dure.testbeds"):
    pytest.skip("the testbeds app is not in INSTALLED_APPS yet (add \"dure.testbeds\")", allow_module_level=True)

from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from dure.accounts.errors import ActionError
from dure.audit.models import AuditEvent
from dure.organisations.models import OrgKind
from dure.testbeds import models as tb
from dure.testbeds.actions import TestbedInput as NewTestbed
from dure.testbeds.actions import check_add_slot, check_book_slot, check_create_testbed
from dure.testbeds.models import Booking, Slot
from dure.testing.factories import make_company_user, make_manager, make_research_user


def _login(client, user) -> None:
    """Sign in, reading the pages in English."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"



def _testbed(owner=None):
    owner = owner or make_research_user()
    testbed = check_create_testbed(owner, NewTestbed("Humanoid robot testbed", "Two humanoid robots.", "Changwon"))
    start = timezone.now() + timedelta(days=3)
    slots = [check_add_slot(owner, testbed, start + timedelta(days=i), start + timedelta(days=i, hours=8))
             for i in range(2)]
    return owner, testbed, slots


@pytest.mark.django_db
def test_research_org_lists_testbed_and_adds_slots_through_pages(client):
    owner = make_research_user()
    _login(client, owner)
    r = client.post(reverse("testbeds"), {"name": "Humanoid robot testbed", "description": "Walking robots.",
                                          "location": "Seoul"}, follow=True)
    testbed = tb.Testbed.objects.get()
    assert r.redirect_chain[-1][0] == reverse("testbed-detail", args=[testbed.pk])
    assert testbed.organisation == owner.organisation
    start = timezone.localtime() + timedelta(days=2)
    fmt = "%Y-%m-%dT%H:%M"
    r = client.post(reverse("testbed-detail", args=[testbed.pk]),
                    {"start": start.strftime(fmt), "end": (start + timedelta(hours=4)).strftime(fmt)}, follow=True)
    assert Slot.objects.filter(testbed=testbed).count() == 1
    # An overlapping slot and one that ends before it starts are refused, nothing written.
    for a, b in [(start + timedelta(hours=1), start + timedelta(hours=5)), (start + timedelta(days=1), start)]:
        r = client.post(reverse("testbed-detail", args=[testbed.pk]), {"start": a.strftime(fmt), "end": b.strftime(fmt)})
        assert r.status_code == 400
    assert "overlaps" in client.post(
        reverse("testbed-detail", args=[testbed.pk]),
        {"start": (start + timedelta(hours=1)).strftime(fmt), "end": (start + timedelta(hours=5)).strftime(fmt)},
    ).content.decode()
    assert Slot.objects.filter(testbed=testbed).count() == 1
    # A company cannot list a testbed or add slots.
    company = make_company_user()
    _login(client, company)
    client.post(reverse("testbeds"), {"name": "X", "description": "Y", "location": "Z"})
    client.post(reverse("testbed-detail", args=[testbed.pk]),
                {"start": (start + timedelta(days=5)).strftime(fmt), "end": (start + timedelta(days=6)).strftime(fmt)})
    assert tb.Testbed.objects.count() == 1 and Slot.objects.count() == 1


@pytest.mark.django_db
def test_company_books_slot_second_company_is_refused_cancel_frees_it(client, mailoutbox,
                                                                    django_capture_on_commit_callbacks):
    owner, testbed, (slot, _other) = _testbed()
    first, second = make_company_user(), make_company_user(OrgKind.LARGE)
    _login(client, first)
    page = client.get(reverse("testbed-detail", args=[testbed.pk])).content.decode()
    assert "Book this slot" in page and "Humanoid robot testbed" in page
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("testbed-book", args=[testbed.pk]), {"slot": slot.pk, "purpose": "Gripper trial"},
                        follow=True)
    assert r.redirect_chain[-1][0] == reverse("my-bookings")
    assert "Gripper trial" in r.content.decode()
    assert len(mailoutbox) == 1 and owner.email in mailoutbox[0].to
    _login(client, second)
    r = client.post(reverse("testbed-book", args=[testbed.pk]), {"slot": slot.pk, "purpose": "Walking trial"}, follow=True)
    assert "already booked" in r.content.decode()
    assert Booking.objects.filter(slot=slot).count() == 1
    # The research organisation sees the booking with the company's name; another one does not.
    _login(client, owner)
    page = client.get(reverse("my-bookings")).content.decode()
    assert "Gripper trial" in page and first.organisation.display_name in page
    _login(client, make_research_user())
    assert "Gripper trial" not in client.get(reverse("my-bookings")).content.decode()
    # The second company cannot cancel someone else's booking (404), the first one can.
    booking = Booking.objects.get(slot=slot)
    _login(client, second)
    assert client.post(reverse("booking-cancel", args=[booking.pk])).status_code == 404
    _login(client, first)
    client.post(reverse("booking-cancel", args=[booking.pk]))
    booking.refresh_from_db()
    assert booking.cancelled_at is not None and booking.cancelled_by == first
    # The slot is free again and the second company gets it.
    _login(client, second)
    client.post(reverse("testbed-book", args=[testbed.pk]), {"slot": slot.pk, "purpose": "Walking trial"})
    assert Booking.objects.get(slot=slot, cancelled_at__isnull=True).organisation == second.organisation
    assert AuditEvent.objects.filter(action="testbed.booked").count() == 2
    assert AuditEvent.objects.filter(action="testbed.booking_cancelled").count() == 1


@pytest.mark.django_db
def test_bad_bookings_change_nothing(client):
    owner, testbed, (slot, _other) = _testbed()
    company = make_company_user()
    _login(client, company)
    client.post(reverse("testbed-book", args=[testbed.pk]), {"slot": slot.pk, "purpose": "  "})
    client.post(reverse("testbed-book", args=[testbed.pk]), {"slot": 999_999, "purpose": "x"})
    _login(client, make_manager())
    assert client.post(reverse("testbed-book", args=[testbed.pk]), {"slot": slot.pk, "purpose": "x"}).status_code == 404
    _login(client, owner)
    assert client.post(reverse("testbed-book", args=[testbed.pk]), {"slot": slot.pk, "purpose": "x"}).status_code == 404
    with pytest.raises(ActionError, match="already started"):
        check_book_slot(company, slot, "late", now=slot.start + timedelta(minutes=1))
    assert Booking.objects.count() == 0


@pytest.mark.django_db
def test_database_refuses_a_second_live_booking_of_one_slot():
    _owner, _testbed_obj, (slot, _other) = _testbed()
    a, b = make_company_user(), make_company_user()
    Booking.objects.create(slot=slot, organisation=a.organisation, booked_by=a, purpose="first")
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(slot=slot, organisation=b.organisation, booked_by=b, purpose="second")
    assert Booking.objects.filter(slot=slot).count() == 1


@pytest.mark.django_db
def test_sequential_bookings_of_one_slot_only_first_succeeds():
    _owner, _t, (slot, _other) = _testbed()
    companies = [make_company_user() for _ in range(4)]
    outcomes = []
    for c in companies:
        try:
            check_book_slot(c, slot, "trial")
            outcomes.append("ok")
        except ActionError:
            outcomes.append("refused")
    assert outcomes == ["ok", "refused", "refused", "refused"]
    assert Booking.objects.get(slot=slot).organisation == companies[0].organisation


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_bookings_of_one_slot_only_one_succeeds():
    _owner, _t, (slot, _other) = _testbed()
    companies = [make_company_user() for _ in range(6)]
    barrier = threading.Barrier(len(companies))
    outcomes: list[str] = []
    guard = threading.Lock()

    def book(user):
        try:
            barrier.wait(timeout=10)
            check_book_slot(user, slot, "same instant")
            result = "ok"
        except ActionError:
            result = "refused"
        finally:
            connection.close()
        with guard:
            outcomes.append(result)

    threads = [threading.Thread(target=book, args=(c,)) for c in companies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok"] + ["refused"] * 5
    assert Booking.objects.filter(slot=slot, cancelled_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_demo_testbed_is_labelled_sample_and_bookable(client):
    from dure.organisations.models import OrgKind as Kind
    from dure.testbeds import demo
    from dure.testing.factories import make_org, make_user

    kims = make_org(Kind.GRI, name="Korea Institute of Materials Science")
    research = make_user("research", kims)
    company = make_company_user()
    ctx = {"users": {"research": research, "company": company}, "orgs": {"kims": kims}}
    demo.load(ctx)
    demo.load(ctx)  # loading twice adds nothing
    testbed = ctx["testbeds"]["humanoid"]
    assert tb.Testbed.objects.count() == 1 and testbed.is_sample and testbed.slots.count() == 5
    _login(client, make_company_user())
    page = client.get(reverse("testbed-detail", args=[testbed.pk])).content.decode()
    assert "sample" in page and page.count("Book this slot") == 4
