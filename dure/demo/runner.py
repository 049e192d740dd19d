"""Load the whole demo programme, stage by stage, through the apps' own actions."""

from __future__ import annotations

import importlib
import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dure.demo.people import DEMO_PASSWORD, PEOPLE, load_organisations, load_people
from dure.demo.programme import FIRST_YEAR, load_programme
from dure.programmes.actions import CallInput, check_create_call, check_transition_call
from dure.programmes.models import Call
from dure.programmes.workflow import CallStatus

log = logging.getLogger(__name__)

# Each stage's demo lives beside its app, as ``load(ctx)``; run in the order of the flow.
STAGE_MODULES = [
    "dure.partners.demo",
    "dure.proposals.demo",
    "dure.techmap.demo",
    "dure.expertise.demo",
    "dure.review.demo",
    "dure.selection.demo",
    "dure.agreements.demo",
    "dure.outcomes.demo",
    "dure.portal.demo",
    "dure.testbeds.demo",
]


def open_demo_calls(ctx: dict) -> dict[str, Call]:
    manager = ctx["users"]["manager"]
    now = timezone.now()
    calls = {}
    specs = {
        "chokepoint": CallInput(
            track=ctx["tracks"]["chokepoint"], name_en="Choke-point technologies: first international call (sample)",
            name_ko="초격차 급소기술 1차 국제공동연구 공고 (예시)",
            description="Sample call for the demo. Consortia of research organisations and companies with a world-leading foreign partner.",
            opens_at=now - timedelta(days=20), deadline=now + timedelta(days=10), first_year=FIRST_YEAR,
            duration_years=3, max_budget_per_year_krw=3_000_000_000, requires_foreign_partner=True,
            requires_sme=True, grace_seconds=300,
        ),
        "original": CallInput(
            track=ctx["tracks"]["original"], name_en="Industrial original technologies: company-demand call (sample)",
            name_ko="산업 원천기술 기업수요 연계 공고 (예시)",
            description="Sample call for the demo. Built on domestic companies' demand with the world's best institutes.",
            opens_at=now - timedelta(days=20), deadline=now + timedelta(days=10), first_year=FIRST_YEAR,
            duration_years=3, max_budget_per_year_krw=1_500_000_000, requires_foreign_partner=True, grace_seconds=300,
        ),
    }
    for key, spec in specs.items():
        existing = Call.objects.filter(name_en=spec.name_en).first()
        if existing:
            calls[key] = existing
            continue
        call = check_create_call(manager, spec)
        calls[key] = check_transition_call(manager, call, CallStatus.OPEN)
    return calls


def open_second_call(ctx: dict) -> Call:
    """A call still open after the demo's evaluated calls, so applicants can write a proposal."""
    spec = CallInput(
        track=ctx["tracks"]["chokepoint"], name_en="Choke-point technologies: second international call (sample)",
        name_ko="초격차 급소기술 2차 국제공동연구 공고 (예시)",
        description="Sample call for the demo, open for proposals.",
        opens_at=timezone.now() - timedelta(days=2), deadline=timezone.now() + timedelta(days=30),
        first_year=FIRST_YEAR + 1, duration_years=3, max_budget_per_year_krw=3_000_000_000,
        requires_foreign_partner=True, requires_sme=True, grace_seconds=300,
    )
    existing = Call.objects.filter(name_en=spec.name_en).first()
    if existing:
        return existing
    call = check_create_call(ctx["users"]["manager"], spec)
    return check_transition_call(ctx["users"]["manager"], call, CallStatus.OPEN)


def load_demo(stdout=None) -> dict:
    say = (lambda m: stdout.write(m + "\n")) if stdout else log.info
    say("Loading the programme's real figures …")
    ctx: dict = load_programme()
    say("Importing organisations from ROR (../shared/data/ror) …")
    ctx["orgs"] = load_organisations()
    ctx["users"] = load_people(ctx["orgs"])
    with transaction.atomic():
        ctx["calls"] = open_demo_calls(ctx)
    already = Call.objects.filter(proposals__isnull=False).exists()
    for name in STAGE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                say(f"  (no demo for {name.split('.')[1]})")
                continue
            raise
        if already:
            say(f"  {name.split('.')[1]}: demo already loaded")
            continue
        say(f"  {name.split('.')[1]} …")
        module.load(ctx)
    with transaction.atomic():
        ctx["calls"]["chokepoint_open"] = open_second_call(ctx)
    return ctx


def logins_text() -> str:
    lines = ["", f"Demo logins (password for all: {DEMO_PASSWORD}) — all people are sample data:"]
    for username, (role, _org, name, _k, _e) in PEOPLE.items():
        lines.append(f"  {role:<9} {username:<14} {name}")
    return "\n".join(lines)
