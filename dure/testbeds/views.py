from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dure.accounts.errors import ActionError
from dure.accounts.models import Role
from dure.accounts.permissions import role_required
from dure.testbeds import actions, selectors
from dure.testbeds.forms import BookingForm, SlotForm, TestbedForm


def _form_errors(form, exc: ActionError) -> None:
    for field, errors in exc.problems.items():
        for e in errors:
            form.add_error(field if field in form.fields else None, e)


@role_required(*selectors.VIEWERS)
def testbeds(request):
    form = TestbedForm(request.POST or None)
    can_list = request.user.has_role(Role.RESEARCH) and request.user.organisation_id is not None
    if request.method == "POST" and can_list and form.is_valid():
        try:
            testbed = actions.check_create_testbed(request.user, actions.TestbedInput(**form.cleaned_data))
        except ActionError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Testbed listed. Add the slots companies can book."))
            return redirect("testbed-detail", testbed_id=testbed.pk)
    context = {"testbeds": selectors.testbeds_visible_to(request.user), "form": form, "can_list": can_list}
    return render(request, "testbeds/testbeds.html", context, status=400 if form.errors else 200)


@role_required(*selectors.VIEWERS)
def testbed_detail(request, testbed_id: int):
    testbed = selectors.access_testbed(request.user, testbed_id)
    owner = selectors.owns(request.user, testbed)
    slot_form = SlotForm(request.POST or None) if owner else None
    if request.method == "POST" and owner and slot_form.is_valid():
        try:
            actions.check_add_slot(request.user, testbed, slot_form.cleaned_data["start"], slot_form.cleaned_data["end"])
        except ActionError as exc:
            _form_errors(slot_form, exc)
        else:
            messages.success(request, _("Slot added."))
            return redirect("testbed-detail", testbed_id=testbed.pk)
    context = {
        "testbed": testbed, "slots": selectors.slots_of(testbed), "owner": owner, "slot_form": slot_form,
        "can_book": request.user.has_role(Role.COMPANY) and request.user.organisation_id is not None,
    }
    return render(request, "testbeds/testbed_detail.html", context,
                  status=400 if slot_form is not None and slot_form.errors else 200)


@require_POST
@role_required(Role.COMPANY)
def testbed_book(request, testbed_id: int):
    testbed = selectors.access_testbed(request.user, testbed_id)
    form = BookingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what you will test, so the testbed's team can prepare."))
        return redirect("testbed-detail", testbed_id=testbed.pk)
    slot = selectors.access_slot(request.user, form.cleaned_data["slot"])
    if slot.testbed_id != testbed.pk:
        messages.error(request, _("That slot belongs to another testbed."))
        return redirect("testbed-detail", testbed_id=testbed.pk)
    try:
        actions.check_book_slot(request.user, slot, form.cleaned_data["purpose"])
    except ActionError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("testbed-detail", testbed_id=testbed.pk)
    messages.success(request, _("Booked. The testbed's team has been told."))
    return redirect("my-bookings")


@role_required(Role.COMPANY, Role.RESEARCH)
def my_bookings(request):
    bookings = selectors.bookings_for(request.user)
    return render(request, "testbeds/my_bookings.html",
                  {"bookings": bookings, "as_owner": request.user.has_role(Role.RESEARCH)})


@require_POST
@role_required(Role.COMPANY, Role.RESEARCH)
def booking_cancel(request, booking_id: int):
    booking = selectors.access_booking(request.user, booking_id)
    try:
        actions.check_cancel_booking(request.user, booking)
    except ActionError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("Booking cancelled; the slot is free again."))
    return redirect("my-bookings")
