"""Portfolio selection pages: rules, optimal portfolio against funding by rank, what-if, apply."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, reverse

from dure.audit.models import AuditEvent
from dure.organisations.models import OrgKind
from dure.programmes.models import TrackBudget
from dure.programmes.workflow import CallStatus, StageKind
from dure.proposals.workflow import ProposalStatus
from dure.review.actions import (
    ReviewInput,
    check_assign_reviewer,
    check_save_review,
)
from dure.review.tests.builders import make_proposal, pass_until
from dure.selection.actions import check_publish_seed, do_rank_call
from dure.selection.models import Decision
from dure.testing.factories import (
    make_call,
    make_company_user,
    make_manager,
    make_org,
    make_reviewer,
    make_track,
)

M = 1_000_000

try:
    reverse("portfolio-call", args=[1])
except NoReverseMatch:
    pytest.skip("dure.selection.portfolio_urls is not included in the site's URLs yet", allow_module_level=True)

def _login(client, user) -> None:
    """Sign in, reading the pages in English."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"



def _scored_call():
    """Four proposals, 1,000 M KRW a year: by rank A+B fill the money with no international project."""
    manager = make_manager()
    track = make_track(yearly_budget_krw=1000 * M)
    call = make_call(track, status=CallStatus.CLOSED, max_budget_per_year_krw=600 * M)
    foreign = make_org(OrgKind.FOREIGN, country="DE")
    specs = {"A": (9, 600, False), "B": (8, 400, False), "C": (7, 500, True), "D": (1, 100, True)}
    proposals = {name: make_proposal(call, yearly_krw=yearly * M, title=f"Proposal {name}")
                 for name, (_score, yearly, _intl) in specs.items()}
    pass_until(manager, call, list(proposals.values()), StageKind.COMMITTEE)
    written = call.stages.get(kind=StageKind.WRITTEN)
    criteria = list(written.criteria.order_by("order"))
    reviewers = [make_reviewer() for _ in range(2)]
    for name, (score, _yearly, international) in specs.items():
        p = proposals[name]
        for rev in reviewers:
            a = check_assign_reviewer(manager, written, p, rev)
            check_save_review(rev, a, ReviewInput({c.pk: score for c in criteria}, 4, "ok"))
        if international:  # what counts here is only that the project is international
            p.foreign_partner = foreign
            p.save(update_fields=["foreign_partner"])
        p.refresh_from_db()
    return manager, call, proposals


def _rules(**kw):
    data = {"min_international_share": "15", "organisation_cap": ""}
    data.update(kw)
    return data


def _runs():
    return AuditEvent.objects.filter(action="portfolio.run").count()


@pytest.mark.django_db
def test_portfolio_meets_share_target_that_rank_breaks_and_explains_every_proposal(client):
    manager, call, p = _scored_call()
    _login(client, manager)
    url = reverse("portfolio-call", args=[call.pk])
    page = client.get(url).content.decode()
    assert "4 proposals await a funding decision" in page and "Proposal A" in page
    r = client.post(url, _rules(), follow=True)
    assert r.status_code == 200
    run = AuditEvent.objects.get(action="portfolio.run")
    assert sorted(run.payload["optimal"]["selected"]) == sorted(str(p[n].pk) for n in "BCD")
    assert sorted(run.payload["rank"]["selected"]) == sorted(str(p[n].pk) for n in "AB")
    page = r.content.decode()
    assert "Optimal portfolio" in page and "Funding by rank" in page
    assert "Funding by rank breaks these rules" in page and "international" in page
    assert "60%" in page  # optimal: 600 of 1,000 M a year go to international projects
    assert page.count("<tr>") >= 4 + 5  # every proposal and every budget year
    # Every proposal carries its explanation.
    assert len(run.payload["explanations"]) == 4
    assert all(e["message"] for e in run.payload["explanations"])
    # The saved run can be shown later.
    again = client.get(f"{url}?run={run.pk}").content.decode()
    assert f"Run {run.pk}" in again and "Proposal A" in again


@pytest.mark.django_db
def test_what_if_shows_who_leaves_and_enters(client):
    manager, call, p = _scored_call()
    _login(client, manager)
    url = reverse("portfolio-call", args=[call.pk])
    client.post(url, _rules())
    run = AuditEvent.objects.get(action="portfolio.run")
    before = _runs()
    # Half the money in 2027: B and D (500 M a year, 20 % international) still fit, C does not.
    page = client.get(url, {"run": run.pk, "wi_go": "1", "wi_budget": f"{call.track.code}|2027",
                            "wi_amount": str(500 * M), "wi_share": ""}).content.decode()
    left = page.split("Would leave")[1].split("Change in total quality")[0]
    assert "Proposal C" in left and "Proposal B" not in left and "Proposal D" not in left
    # Dropping the share target to 0 lets rank's choice win: C and D leave, A enters.
    page = client.get(url, {"run": run.pk, "wi_go": "1", "wi_budget": "", "wi_amount": "", "wi_share": "0"}).content.decode()
    entered = page.split("Would enter")[1].split("Would leave")[0]
    left = page.split("Would leave")[1].split("Change in total quality")[0]
    assert "Proposal A" in entered and "Proposal C" in left and "Proposal D" in left
    # A half-filled what-if is refused with a reason; what-ifs never save a run.
    page = client.get(url, {"run": run.pk, "wi_go": "1", "wi_budget": f"{call.track.code}|2026"}).content.decode()
    assert "Choose a budget and give its new amount together" in page
    assert _runs() == before


@pytest.mark.django_db
def test_committee_choices_and_bad_rules(client):
    manager, call, p = _scored_call()
    _login(client, manager)
    url = reverse("portfolio-call", args=[call.pk])
    client.post(url, _rules(must_exclude=[str(p["D"].pk)], must_include=[str(p["C"].pk)]))
    run = AuditEvent.objects.get(action="portfolio.run")
    assert sorted(run.payload["optimal"]["selected"]) == sorted([str(p["B"].pk), str(p["C"].pk)])
    # Including A forces 600 M a year with no room left for an international project: refused with why.
    r = client.post(url, _rules(must_include=[str(p["A"].pk)], must_exclude=[str(p["C"].pk)]))
    assert r.status_code == 400 and "No portfolio keeps all the rules" in r.content.decode()
    before = _runs()
    # Both included and excluded; an impossible sector minimum; a share above 100 %.
    r = client.post(url, _rules(must_exclude=[str(p["B"].pk)], must_include=[str(p["B"].pk)]))
    assert r.status_code == 400 and "both" in r.content.decode()
    r = client.post(url, _rules(sector_semiconductors="9"))
    assert r.status_code == 400 and "No portfolio keeps all the rules" in r.content.decode()
    assert client.post(url, _rules(min_international_share="150")).status_code == 400
    assert _runs() == before
    # Other roles see nothing.
    _login(client, make_company_user())
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_applying_records_decisions_and_commits_money_once(client, django_capture_on_commit_callbacks, mailoutbox):
    manager, call, p = _scored_call()
    _login(client, manager)
    url = reverse("portfolio-call", args=[call.pk])
    client.post(url, _rules())
    first = AuditEvent.objects.get(action="portfolio.run")
    client.post(url, _rules(must_exclude=[str(p["C"].pk)]))
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("portfolio-call-apply", args=[call.pk]), {"run": first.pk}, follow=True)
    assert "3 funded, 1 not funded" in r.content.decode()
    for name, status in {"A": ProposalStatus.NOT_SELECTED, "B": ProposalStatus.SELECTED,
                         "C": ProposalStatus.SELECTED, "D": ProposalStatus.SELECTED}.items():
        p[name].refresh_from_db()
        assert p[name].status == status
    assert "Portfolio selection" in Decision.objects.get(proposal=p["A"], outcome="not_funded").reason
    committed = list(TrackBudget.objects.filter(track=call.track).order_by("year").values_list("committed_krw", flat=True))
    assert committed == [1000 * M] * 3 + [0, 0]
    assert len(mailoutbox) == 4
    # Applying again, or applying the other run whose candidates are now decided, changes nothing.
    second = AuditEvent.objects.filter(action="portfolio.run").exclude(pk=first.pk).get()
    n = Decision.objects.count()
    for run in (first, second):
        r = client.post(reverse("portfolio-call-apply", args=[call.pk]), {"run": run.pk}, follow=True)
        assert "already been applied" in r.content.decode() or "decided or withdrawn" in r.content.decode()
    assert Decision.objects.count() == n
    assert list(TrackBudget.objects.filter(track=call.track).order_by("year")
                .values_list("committed_krw", flat=True)) == committed


@pytest.mark.django_db
def test_a_run_whose_inputs_changed_cannot_be_applied(client):
    manager, call, p = _scored_call()
    _login(client, manager)
    client.post(reverse("portfolio-call", args=[call.pk]), _rules())
    run = AuditEvent.objects.get(action="portfolio.run")
    p["D"].budget_years.filter(year=2026).update(amount_krw=900 * M)
    r = client.post(reverse("portfolio-call-apply", args=[call.pk]), {"run": run.pk}, follow=True)
    assert "changed since this run" in r.content.decode()
    assert not Decision.objects.filter(outcome__in=["funded", "not_funded"]).exists()
    assert set(TrackBudget.objects.filter(track=call.track).values_list("committed_krw", flat=True)) == {0}


@pytest.mark.django_db
def test_programme_portfolio_spans_calls(client):
    manager, call, p = _scored_call()
    _login(client, manager)
    url = reverse("portfolio-programme", args=[call.programme_id])
    page = client.get(url).content.decode()
    assert "4 proposals await a funding decision" in page
    client.post(url, _rules())
    run = AuditEvent.objects.get(action="portfolio.run")
    assert run.payload["scope"] == f"programme:{call.programme_id}"
    # A call's page does not list the programme's runs.
    assert f"Run {run.pk}" not in client.get(reverse("portfolio-call", args=[call.pk])).content.decode()


@pytest.mark.django_db
def test_quality_comes_from_the_latest_ranking_run(client):
    manager, call, p = _scored_call()
    check_publish_seed(manager, call, "2026-11-23 lottery 3 14 15 92")
    ranking = do_rank_call(manager, call)
    _login(client, manager)
    client.post(reverse("portfolio-call", args=[call.pk]), _rules())
    run = AuditEvent.objects.get(action="portfolio.run")
    quality = {c["proposal_id"]: c["quality"] for c in run.payload["candidates"]}
    for row in ranking.results:
        key = str(row["proposal_id"])
        expected = row["calibrated_score"] if row["calibrated_score"] is not None else row["mean_score"]
        assert quality[key] == pytest.approx(expected, abs=1e-4)
        assert run.payload["quality_source"][key] == ("calibrated" if row["calibrated_score"] is not None else "mean")
