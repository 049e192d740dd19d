"""Outcome reports and the manager dashboard through HTTP."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dure.agreements.actions import (
    IPTermsInput,
    check_save_ip_terms,
    check_sign_agreement,
    do_draft_agreement,
)
from dure.agreements.models import AgreementYear
from dure.agreements.tests.builders import make_selected_proposal
from dure.outcomes.dashboard import build_dashboard
from dure.outcomes.models import OutcomeReport
from dure.programmes.models import TrackBudget
from dure.testing.factories import make_company_user, make_manager, make_research_user, make_track

pytestmark = pytest.mark.django_db


def _signed(manager, **kw):
    proposal = make_selected_proposal(**kw)
    agreement = do_draft_agreement(manager, proposal)
    company = proposal.members.get(role="sme").organisation
    check_save_ip_terms(manager, agreement, IPTermsInput("Shared", company, "Licence to practise in Korea"))
    return check_sign_agreement(manager, agreement)


def _report(year=None, **values):
    data = {"year": year or timezone.now().year, "papers": 3, "patents": 2, "licences": 1, "transfer_fee_krw": 50_000_000,
            "revenue_krw": 200_000_000, "jobs": 4, "note": ""}
    data.update(values)
    return data


def test_member_reports_and_resubmission_edits(client):
    manager = make_manager()
    member = make_company_user()
    agreement = _signed(manager, company=member.organisation)
    year = timezone.now().year
    url = reverse("outcome-report", args=[agreement.pk])
    client.force_login(member)
    assert client.post(url, _report(year)).status_code == 302
    assert client.post(url, _report(year, papers=7)).status_code == 302
    report = OutcomeReport.objects.get(agreement=agreement)
    assert report.papers == 7 and report.plausibility_flags == []
    assert "7" in client.get(url).content.decode()


@pytest.mark.parametrize("bad", [
    {"papers": -1},
    {"revenue_krw": -5},
    {"year": 2019},            # before the project
    {"year": 2040},            # more than five years after the end
    {"year": timezone.now().year + 1},  # not started
    {"jobs": "many"},
])
def test_implausible_input_is_refused_and_changes_nothing(client, bad):
    manager = make_manager()
    member = make_research_user()
    agreement = _signed(manager, lead_user=member)
    client.force_login(member)
    response = client.post(reverse("outcome-report", args=[agreement.pk]) + "?lang=en", _report(**{"year": timezone.now().year, **bad}))
    assert response.status_code == 400
    assert "error" in response.content.decode()
    assert OutcomeReport.objects.count() == 0


def test_implausible_values_are_saved_with_warnings(client):
    manager = make_manager()
    member = make_company_user()
    agreement = _signed(manager, company=member.organisation)
    client.force_login(member)
    huge = agreement.total_krw * 101
    response = client.post(reverse("outcome-report", args=[agreement.pk]) + "?lang=en",
                           _report(timezone.now().year, revenue_krw=huge, patents=60, licences=90), follow=True)
    text = response.content.decode()
    assert "extra zero" in text and "patents in one year" in text and "Licences exceed patents" in text
    assert len(OutcomeReport.objects.get().plausibility_flags) == 3
    client.force_login(manager)
    assert "extra zero" in client.get(reverse("manager-dashboard") + "?lang=en").content.decode()


def test_outsiders_and_managers_cannot_report(client):
    manager = make_manager()
    agreement = _signed(manager)
    url = reverse("outcome-report", args=[agreement.pk])
    client.force_login(make_company_user())
    assert client.get(url).status_code == 404
    assert client.post(url, _report(timezone.now().year)).status_code == 404
    client.force_login(manager)
    assert client.get(url).status_code == 200
    assert client.post(url, _report(timezone.now().year)).status_code == 404
    assert OutcomeReport.objects.count() == 0


def test_dashboard_equals_database_sums(client):
    manager = make_manager()
    track = make_track(requires_foreign_partner=True)
    domestic_track = make_track(track.programme, code="chokepoint")
    intl = _signed(manager, track=track, international=True, yearly_krw=700_000_000)
    dom = do_draft_agreement(manager, make_selected_proposal(track=domestic_track, international=False, yearly_krw=300_000_000))
    AgreementYear.objects.filter(agreement=intl, year=2026).update(spent_krw=123_000_000)
    member = make_research_user()
    OutcomeReport.objects.create(agreement=intl, year=2026, papers=4, patents=2, submitted_by=member)

    client.force_login(manager)
    response = client.get(reverse("manager-dashboard") + "?lang=en")
    assert response.status_code == 200
    dash = response.context["dash"]
    committed = AgreementYear.objects.aggregate(s=Sum("amount_krw"))["s"]
    assert dash.committed_krw == committed == 3 * 700_000_000 + 3 * 300_000_000
    assert dash.international_krw == 3 * 700_000_000
    assert dash.international_share == pytest.approx(0.7)
    assert dash.totals["budget_krw"] == TrackBudget.objects.aggregate(s=Sum("amount_krw"))["s"]
    assert dash.totals["spent_krw"] == 123_000_000
    assert dash.totals["signed_krw"] == intl.total_krw
    row = next(r for r in dash.money if r.track_code == track.code and r.year == 2026)
    assert row.committed_krw == 700_000_000
    everything = dash.outcomes_by_track[-1]
    assert everything.totals["papers"] == 4
    assert everything.per_eok["papers"] == pytest.approx(4 / (committed / 100_000_000))
    assert dom.pk not in [o.agreement.pk for o in dash.overdue]
    assert 'type="application/json"' in response.content.decode()
    assert "<script>" not in response.content.decode()  # no inline script (the CSP forbids it)

    xlsx = client.get(reverse("manager-dashboard-xlsx"))
    assert xlsx.status_code == 200
    wb = load_workbook(BytesIO(xlsx.content))
    money = list(wb["Money"].iter_rows(min_row=2, values_only=True))
    assert sum(r[4] for r in money) == committed
    assert wb["International share"]["C2"].value == pytest.approx(0.7)

    for other in (make_company_user(), make_research_user()):
        client.force_login(other)
        assert client.get(reverse("manager-dashboard")).status_code == 404
        assert client.get(reverse("manager-dashboard-xlsx")).status_code == 404


def test_overdue_reports_are_the_last_finished_year_without_a_report():
    manager = make_manager()
    agreement = _signed(manager)  # years 2026-2028
    member = make_research_user()
    assert build_dashboard(current_year=2026).overdue == []
    overdue = build_dashboard(current_year=2028).overdue
    assert [(o.agreement.pk, o.year) for o in overdue] == [(agreement.pk, 2027)]
    OutcomeReport.objects.create(agreement=agreement, year=2027, submitted_by=member)
    assert build_dashboard(current_year=2028).overdue == []
    assert [o.year for o in build_dashboard(current_year=2031).overdue] == [2028]
