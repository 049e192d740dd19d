"""The expertise pages through HTTP, as a programme manager uses them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from dure.accounts.models import ExpertKind
from dure.expertise.actions import check_add_alias
from dure.expertise.models import AssignmentRun, RunStatus
from dure.expertise.tests.builders import (
    BATTERY,
    MAGNET,
    proposal_in_review,
    reviewer_with_works,
    written_stage,
)
from dure.organisations.models import OrgKind
from dure.review.models import Assignment, Conflict, ConflictKind
from dure.testing.factories import (
    make_auditor,
    make_company_user,
    make_manager,
    make_org,
    make_research_user,
    make_reviewer,
)

pytestmark = pytest.mark.django_db

BATTERY_WORKS = [(BATTERY[0], BATTERY[1]), ("Cathode regeneration of spent lithium batteries", "Lithium recycling.")]
MAGNET_WORKS = [(MAGNET[0], MAGNET[1]), ("Coercivity of NdFeB permanent magnets", "Dysprosium diffusion in magnets.")]


def _run(client, stage, **data):
    before = AssignmentRun.objects.count()
    r = client.post(reverse("expertise-run-new", args=[stage.pk]), {"balance": "", **data})
    assert r.status_code == 302
    assert AssignmentRun.objects.count() == before + 1
    return AssignmentRun.objects.order_by("-pk").first()


def _pairs(run):
    return {(p, r) for p, r, _ in run.pairs}


@pytest.fixture
def world():
    """Two proposals, five reviewers with works; the magnet expert co-authored with the magnet lead."""
    manager = make_manager()
    call, stage = written_stage(reviewers_per_proposal=2, requires_industry_reviewer=False)
    lead = make_research_user()
    lead.display_name = "Lee Min-ho"
    lead.save()
    former = make_org(OrgKind.UNIVERSITY, name="Former University")
    check_add_alias(None, lead, organisation=former)
    magnet = proposal_in_review(call, title=MAGNET[0], abstract=MAGNET[1], lead_user=lead)
    battery = proposal_in_review(call, title=BATTERY[0], abstract=BATTERY[1])
    coauthor = reviewer_with_works(MAGNET_WORKS, coauthors=[{"name": "이민호", "organisation_id": former.pk}])
    others = [
        reviewer_with_works(MAGNET_WORKS[1:], kind=ExpertKind.INSTITUTE),
        reviewer_with_works(BATTERY_WORKS, kind=ExpertKind.INDUSTRY),
        reviewer_with_works(BATTERY_WORKS[1:], kind=ExpertKind.ACADEMIC),
        reviewer_with_works([("Permanent magnet motors", "Rare earth magnets in motors.")],
                            kind=ExpertKind.INDUSTRY, coauthors=[{"name": "Park Ji-sung",
                                                                  "organisation_id": former.pk}]),
    ]
    return manager, stage, magnet, battery, coauthor, others


def test_deep_detection_links_korean_and_romanised_names(client, world):
    manager, stage, magnet, battery, coauthor, others = world
    old = reviewer_with_works(MAGNET_WORKS, year=timezone.now().year - 10,
                              coauthors=[{"name": "이민호", "organisation_id": magnet.lead_user.aliases.first().organisation_id}])
    client.force_login(manager)
    r = client.post(reverse("expertise-detect", args=[stage.pk]), {"window": "3"})
    assert r.status_code == 302
    found = Conflict.objects.filter(proposal=magnet, person=coauthor, kind=ConflictKind.COAUTHORSHIP).first()
    assert found is not None and "Lee Min-ho" in found.evidence
    # a different person at the same organisation, and a co-author of ten years ago, are no conflict
    assert not Conflict.objects.filter(person=others[3], kind=ConflictKind.COAUTHORSHIP).exists()
    assert not Conflict.objects.filter(person=old, kind=ConflictKind.COAUTHORSHIP).exists()
    page = client.get(reverse("expertise-conflicts", args=[stage.pk])).content.decode()
    assert escape(found.evidence) in page
    # running again stores nothing twice
    n = Conflict.objects.count()
    client.post(reverse("expertise-detect", args=[stage.pk]), {"window": "3"})
    assert Conflict.objects.count() == n
    # a wider window finds the old co-author
    client.post(reverse("expertise-detect", args=[stage.pk]), {"window": "12"})
    assert Conflict.objects.filter(person=old, proposal=magnet, kind=ConflictKind.COAUTHORSHIP).exists()


def test_assignment_never_uses_a_conflicted_pair(client, world):
    manager, stage, magnet, battery, coauthor, others = world
    client.force_login(manager)
    run = _run(client, stage, mode="optimal")
    assert (magnet.pk, coauthor.pk) in _pairs(run), "the co-author is the best match before detection"
    client.post(reverse("expertise-detect", args=[stage.pk]), {"window": "3"})
    run = _run(client, stage, mode="optimal")
    assert run.status == RunStatus.PROPOSED and (magnet.pk, coauthor.pk) not in _pairs(run)
    page = client.get(reverse("expertise-run", args=[run.pk])).content.decode()
    evidence = Conflict.objects.get(proposal=magnet, person=coauthor, kind=ConflictKind.COAUTHORSHIP).evidence
    assert "Excluded reviewers and why" in page and escape(evidence) in page
    assert MAGNET_WORKS[1][0] in page  # a driving work is shown for a proposed pair
    r = client.post(reverse("expertise-run-apply", args=[run.pk]))
    assert r.status_code == 302
    applied = set(Assignment.objects.filter(stage=stage).values_list("proposal_id", "reviewer_id"))
    assert applied == _pairs(run) and (magnet.pk, coauthor.pk) not in applied
    assert len(applied) == 4
    run.refresh_from_db()
    assert run.status == RunStatus.APPLIED
    # applying twice changes nothing
    client.post(reverse("expertise-run-apply", args=[run.pk]))
    assert Assignment.objects.filter(stage=stage).count() == 4


def test_pins_and_forbids_are_honoured(client, world):
    manager, stage, magnet, battery, coauthor, others = world
    client.force_login(manager)
    first = _run(client, stage, mode="optimal")
    victim = sorted(_pairs(first))[0]
    client.post(reverse("expertise-run-adjust", args=[first.pk]),
                {"proposal": victim[0], "reviewer": victim[1], "op": "forbid"})
    second = AssignmentRun.objects.order_by("-pk").first()
    assert second.pk != first.pk and victim not in _pairs(second) and len(second.pairs) == 4
    unused = next((battery.pk, r.pk) for r in [coauthor, *others] if (battery.pk, r.pk) not in _pairs(second)
                  and (battery.pk, r.pk) != victim)
    client.post(reverse("expertise-run-adjust", args=[second.pk]),
                {"proposal": unused[0], "reviewer": unused[1], "op": "pin"})
    third = AssignmentRun.objects.order_by("-pk").first()
    assert unused in _pairs(third) and victim not in _pairs(third)
    assert [unused[0], unused[1]] in third.pinned and [victim[0], victim[1]] in third.forbidden


def test_randomized_with_one_seed_gives_one_preview(client, world):
    manager, stage, *_ = world
    client.force_login(manager)
    a = _run(client, stage, mode="randomized", seed="7", max_probability="0.5")
    b = _run(client, stage, mode="randomized", seed="7", max_probability="0.5")
    client.post(reverse("expertise-run-repeat", args=[a.pk]))
    c = AssignmentRun.objects.order_by("-pk").first()
    assert a.status == RunStatus.PROPOSED and a.pairs == b.pairs == c.pairs
    assert a.inputs_digest == b.inputs_digest == c.inputs_digest
    pages = [client.get(reverse("expertise-run", args=[x.pk])).content.decode() for x in (a, b)]
    assert "inputs are unchanged" in pages[0], pages[0][pages[0].find("Inputs digest"):][:400]
    # no seed: refused, nothing saved
    n = AssignmentRun.objects.count()
    r = client.post(reverse("expertise-run-new", args=[stage.pk]), {"mode": "randomized", "max_probability": "0.5"},
                    follow=True)
    assert "needs a seed" in r.content.decode() and AssignmentRun.objects.count() == n


def test_infeasible_stage_shows_the_diagnosis(client):
    manager = make_manager()
    call, stage = written_stage(reviewers_per_proposal=3, requires_industry_reviewer=True)
    p = proposal_in_review(call, title=MAGNET[0], abstract=MAGNET[1])
    reviewer_with_works(MAGNET_WORKS)
    reviewer_with_works(MAGNET_WORKS, kind=ExpertKind.INSTITUTE)
    client.force_login(manager)
    run = _run(client, stage, mode="optimal")
    assert run.status == RunStatus.INFEASIBLE and run.pairs == []
    page = client.get(reverse("expertise-run", args=[run.pk])).content.decode()
    assert "No assignment satisfies every rule" in page and "What to relax" in page
    assert p.title in page and "2 candidates for 3 seats" in page
    assert "Apply this assignment" not in page
    r = client.post(reverse("expertise-run-apply", args=[run.pk]))
    assert r.status_code == 302 and not Assignment.objects.exists()


def test_non_managers_get_404_on_every_expertise_page(client, world):
    manager, stage, magnet, battery, coauthor, others = world
    client.force_login(manager)
    run = _run(client, stage, mode="optimal")
    runs, conflicts = AssignmentRun.objects.count(), Conflict.objects.count()
    pages = [
        ("get", reverse("expertise-people"), {}),
        ("get", reverse("expertise-profile", args=[coauthor.pk]), {}),
        ("post", reverse("expertise-attach-openalex", args=[coauthor.pk]), {"work_ids": "W1"}),
        ("get", reverse("expertise-conflicts", args=[stage.pk]), {}),
        ("post", reverse("expertise-detect", args=[stage.pk]), {"window": "3"}),
        ("get", reverse("expertise-assign", args=[stage.pk]), {}),
        ("post", reverse("expertise-run-new", args=[stage.pk]), {"mode": "optimal"}),
        ("get", reverse("expertise-run", args=[run.pk]), {}),
        ("post", reverse("expertise-run-adjust", args=[run.pk]), {"proposal": magnet.pk, "reviewer": coauthor.pk,
                                                                   "op": "pin"}),
        ("post", reverse("expertise-run-repeat", args=[run.pk]), {}),
        ("post", reverse("expertise-run-apply", args=[run.pk]), {}),
    ]
    for user in (coauthor, make_company_user(), make_research_user(), make_auditor(), make_reviewer()):
        client.force_login(user)
        for method, url, data in pages:
            r = getattr(client, method)(url, data)
            assert r.status_code == 404, (user.role, url)
    client.logout()
    for method, url, data in pages:
        assert getattr(client, method)(url, data).status_code == 302
    assert AssignmentRun.objects.count() == runs and Conflict.objects.count() == conflicts
    assert not Assignment.objects.exists()
    client.force_login(manager)
    assert client.get(reverse("expertise-run", args=[run.pk + 999])).status_code == 404
