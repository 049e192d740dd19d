"""One factory per role and per core object, for tests. Plain functions, no magic.

Organisations here are taken from real ROR records where a test needs a real one
(``real_org``), otherwise they are clearly named test organisations.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from dure.accounts.models import ExpertKind, Role, User
from dure.organisations.models import Organisation, OrgKind
from dure.programmes.actions import create_default_stages
from dure.programmes.models import Call, Programme, Sector, Technology, Track, TrackBudget
from dure.programmes.workflow import CallStatus

_seq = itertools.count(1)
PASSWORD = "test-password-123"


def make_org(kind: str = OrgKind.GRI, country: str = "KR", name: str | None = None, parent=None) -> Organisation:
    n = next(_seq)
    return Organisation.objects.create(
        name_en=name or f"Test {kind} {n}", name_ko=f"시험기관 {n}", kind=kind, country_code=country, parent=parent
    )


def make_user(role: str, organisation: Organisation | None = None, *, username: str | None = None,
              expert_kind: str = "", max_reviews: int = 6) -> User:
    n = next(_seq)
    user = User.objects.create_user(
        username=username or f"{role}{n}", password=PASSWORD, email=f"{role}{n}@example.org",
        display_name=f"{role.title()} {n}", role=role, organisation=organisation,
        expert_kind=expert_kind, max_reviews=max_reviews,
    )
    return user


def make_manager(**kw) -> User:
    return make_user(Role.MANAGER, **kw)


def make_company_user(kind: str = OrgKind.SME, **kw) -> User:
    return make_user(Role.COMPANY, make_org(kind), **kw)


def make_research_user(kind: str = OrgKind.GRI, **kw) -> User:
    return make_user(Role.RESEARCH, make_org(kind), **kw)


def make_reviewer(org: Organisation | None = None, expert_kind: str = ExpertKind.ACADEMIC, **kw) -> User:
    return make_user(Role.REVIEWER, org or make_org(OrgKind.UNIVERSITY), expert_kind=expert_kind, **kw)


def make_auditor(**kw) -> User:
    return make_user(Role.AUDITOR, **kw)


def make_citizen(**kw) -> User:
    return make_user(Role.PUBLIC, **kw)


def make_programme() -> Programme:
    programme = Programme.objects.create(
        code=f"prog-{next(_seq)}", name_en="Test programme", name_ko="시험 사업",
        annual_budget_krw=5_700_000_000_000, international_share_now=0.06, international_share_target=0.15,
    )
    return programme


def make_track(programme: Programme | None = None, code: str = Track.Code.ORIGINAL, *,
               requires_foreign_partner: bool = False, yearly_budget_krw: int = 10_000_000_000,
               years: range = range(2026, 2031)) -> Track:
    programme = programme or make_programme()
    track = Track.objects.create(
        programme=programme, code=code, name_en=f"Track {code}", name_ko=f"트랙 {code}",
        technologies_planned=10, horizon="10 years", requires_foreign_partner=requires_foreign_partner,
    )
    for year in years:
        TrackBudget.objects.create(track=track, year=year, amount_krw=yearly_budget_krw)
    return track


def make_technology(track: Track | None = None) -> Technology:
    track = track or make_track()
    n = next(_seq)
    sector, _ = Sector.objects.get_or_create(code="semiconductors", defaults={"name_en": "Semiconductors", "name_ko": "반도체"})
    return Technology.objects.create(track=track, sector=sector, code=f"T-{n}", name_en=f"Technology {n}", name_ko=f"기술 {n}")


def make_call(track: Track | None = None, *, status: str = CallStatus.OPEN, requires_foreign_partner: bool | None = None,
              deadline_in: timedelta = timedelta(days=7), max_budget_per_year_krw: int = 1_000_000_000, **kw) -> Call:
    track = track or make_track()
    now = timezone.now()
    rfp = track.requires_foreign_partner if requires_foreign_partner is None else requires_foreign_partner
    call = Call.objects.create(
        programme=track.programme, track=track, name_en="Test call", name_ko="시험 공고", status=status,
        opens_at=now - timedelta(days=30), deadline=now + deadline_in, first_year=2026, duration_years=3,
        max_budget_per_year_krw=max_budget_per_year_krw, requires_foreign_partner=rfp, **kw,
    )
    create_default_stages(call)
    return call
