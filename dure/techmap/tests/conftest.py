"""A small real world: battery works from the OpenAlex sample, their organisations from ROR."""

from __future__ import annotations

from pathlib import Path

import pytest

from dure.organisations.models import OrgKind
from dure.programmes.models import Technology
from dure.techmap import actions
from dure.testing import factories as f

FIXTURES = Path(__file__).parent / "fixtures"
WORKS = FIXTURES / "openalex_works_battery.jsonl"


@pytest.fixture
def world(db):
    from dure.core.affiliation import AffiliationMatcher

    manager = f.make_manager()
    track = f.make_track(requires_foreign_partner=True)
    tech = f.make_technology(track)
    Technology.objects.filter(pk=tech.pk).update(
        name_en="Secondary battery materials and cells", name_ko="이차전지 소재 및 셀",
        keywords=["lithium-ion battery", "cathode", "solid-state electrolyte", "이차전지", "양극재"])
    tech.refresh_from_db()
    from dure.techmap import selectors

    selectors._cache.clear()  # each test database starts afresh; the per-process cache must too
    records = actions.ror_records()
    result = actions.import_openalex_works(manager, WORKS, matcher=AffiliationMatcher().fit(records))
    actions.link_technologies(manager)
    actions.create_missing_organisations(manager, records)
    company = f.make_company_user(kind=OrgKind.SME)
    return dict(manager=manager, technology=tech, track=track, result=result, company=company)
