"""Demo testbed: a humanoid robot testbed at KIMS with slots, one booked by the sample SME.

Reads ctx: "users" ("research" at KIMS, "company" at the sample SME), "orgs" ("kims").
Writes ctx: "testbeds" (dict: "humanoid" -> Testbed).
The testbed, its slots and the booking are invented for the demo (is_sample=True).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from dure.testbeds.actions import (
    TestbedInput,
    check_add_slot,
    check_book_slot,
    check_create_testbed,
)
from dure.testbeds.models import Testbed


def load(ctx: dict) -> None:
    research = ctx["users"]["research"]
    company = ctx["users"]["company"]
    existing = Testbed.objects.filter(organisation=research.organisation, name="Humanoid robot testbed").first()
    if existing is not None:
        ctx.setdefault("testbeds", {})["humanoid"] = existing
        return
    testbed = check_create_testbed(research, TestbedInput(
        name="Humanoid robot testbed",
        description=("Two full-size humanoid robots with motion capture, force plates and a materials test rig "
                     "for actuators, joints and lightweight structures. Companies test their parts on a "
                     "walking robot before mass production."),
        location="Changwon, Gyeongsangnam-do",
        is_sample=True,
    ))
    tz = timezone.get_current_timezone()
    first_day = (timezone.localtime() + timedelta(days=7)).date()
    slots = []
    for day in range(5):
        start = datetime.combine(first_day + timedelta(days=day), time(9, 0), tzinfo=tz)
        slots.append(check_add_slot(research, testbed, start, start + timedelta(hours=8), is_sample=True))
    check_book_slot(company, slots[1], "Endurance trial of a magnet-based actuator in the robot's knee joint.",
                    is_sample=True)
    ctx.setdefault("testbeds", {})["humanoid"] = testbed
