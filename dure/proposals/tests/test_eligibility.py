"""Each eligibility rule refuses the submission with its message, next to its field, changing nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from dure.organisations.models import Organisation
from dure.proposals.eligibility import CallRules, MemberFacts, ProposalFacts, check_eligibility
from dure.proposals.models import Proposal, Submission
from dure.proposals.tests.helpers import make_world


def _kind(kind):
    def mutate(world):
        Organisation.objects.filter(pk=world.company.organisation_id).update(kind=kind)
    return mutate


def _close(world):
    world.call.status = "closed"
    world.call.save()


CAP = 1_000_000_000
# (id, international, call settings, form changes, change after saving, field, message part)
CASES = [
    ("too-few-members", False, {"min_members": 3}, {}, None, "members", "needs at least 3"),
    ("too-many-members", False, {"max_members": 1}, {}, None, "members", "allows at most 1"),
    ("company-required", False, {"requires_company": True}, {}, _kind("gri"), "members", "requires a company"),
    ("sme-required", False, {"requires_sme": True}, {}, _kind("large"), "members", "requires an SME"),
    ("foreign-partner-missing", True, {}, {"foreign_partner": ""}, None, "foreign_partner", "requires a foreign partner"),
    ("foreign-partner-korean", True, {}, {"foreign_partner": "COMPANY"}, None, "foreign_partner", "outside Korea"),
    ("foreign-partner-role", True, {}, {"role_FOREIGN": "research"}, None, "foreign_partner", "foreign partner role"),
    ("cooperation-need", True, {}, {"cooperation_need": ""}, None, "cooperation_need", "international cooperation is needed"),
    ("ip-plan", False, {"requires_ip_plan": True}, {"ip_licence_plan": ""}, None, "ip_licence_plan", "IP licence plan"),
    ("budget-over-cap", False, {}, {"budget_2027": str(CAP + 1)}, None, "budget_2027", "above the call"),
    ("shares-not-100", False, {}, {"share_LEAD": "10"}, None, "members", "must add up to exactly 100"),
    ("year-missing", False, {}, {"budget_2028": ""}, None, "budget_2028", "Enter the budget requested for 2028"),
    ("two-leads", False, {}, {"role_COMPANY": "lead"}, None, "members", "Exactly one member"),
    ("call-closed", False, {}, {}, _close, "__all__", "not open for submissions"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_rule_refuses_submission_and_changes_nothing(client, case):
    _id, international, call_kw, changes, mutate, field, message = case
    world = make_world(international=international, max_budget_per_year_krw=CAP, **call_kw)
    aliases = {"COMPANY": world.company.organisation_id, "LEAD": world.lead.organisation_id,
               "FOREIGN": world.foreign.pk if world.foreign else 0}
    override = {}
    for key, value in changes.items():
        for alias, pk in aliases.items():
            key = key.replace(alias, str(pk))
            value = str(pk) if value == alias else value
        override[key] = value
    client.force_login(world.lead)
    r = client.post(reverse("proposal-create", args=[world.call.pk]), world.form(**override))
    assert r.status_code == 302, r.content.decode()
    proposal = Proposal.objects.get()
    if mutate:
        mutate(world)
    detail = client.get(reverse("proposal-detail", args=[proposal.pk])).content.decode()
    if field != "__all__":
        assert message in detail  # shown before submitting

    r = client.post(reverse("proposal-submit", args=[proposal.pk]), {"idempotency_key": "k"})
    assert r.status_code == 400
    page = r.content.decode()
    assert message in page
    if field not in ("members", "__all__"):
        error_at = page.index(f'id="id_{field}_error"')
        assert message in page[error_at:error_at + 400]
    assert "nothing was changed" in page
    assert Submission.objects.count() == 0
    proposal.refresh_from_db()
    assert (proposal.status, proposal.version, proposal.submitted_at) == ("draft", 0, None)


# The pure function, without the database.
T0 = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
RULES = CallRules(
    track_id=1, is_open=True, opens_at=T0 - timedelta(days=30), deadline=T0, grace_seconds=60,
    years=(2026, 2027), max_budget_per_year_krw=100, min_members=2, max_members=4, requires_company=True,
    requires_sme=False, requires_foreign_partner=False, requires_ip_plan=True,
)
FACTS = ProposalFacts(
    members=(
        MemberFacts(1, "KIMS", "lead", "gri", "KR", Decimal("70")),
        MemberFacts(2, "SME", "sme", "sme", "KR", Decimal("30")),
    ),
    budget_by_year={2026: 100, 2027: 50}, technology_track_id=1, ip_licence_plan="licence",
)


def test_eligible_proposal_has_no_problems_until_the_grace_period_ends():
    assert check_eligibility(FACTS, RULES, T0) == []
    assert check_eligibility(FACTS, RULES, T0 + timedelta(seconds=60)) == []
    late = check_eligibility(FACTS, RULES, T0 + timedelta(seconds=61))
    assert [p.field for p in late] == ["__all__"]
    early = check_eligibility(FACTS, RULES, RULES.opens_at - timedelta(seconds=1))
    assert [p.field for p in early] == ["__all__"]


def test_budget_cap_is_per_year_and_years_outside_the_call_are_named():
    facts = replace(FACTS, budget_by_year={2026: 101, 2027: 100, 2030: 5})
    problems = check_eligibility(facts, RULES, T0)
    assert {p.field for p in problems} == {"budget_2026", "__all__"}
    assert any("2030" in p.message for p in problems)


def test_technology_of_another_track_is_refused():
    problems = check_eligibility(replace(FACTS, technology_track_id=2), RULES, T0)
    assert [p.field for p in problems] == ["technology"]
