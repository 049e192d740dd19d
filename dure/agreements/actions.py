"""Every write to funding agreements (협약): drafting, IP terms, milestones, dispatches, signing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dure.accounts.errors import ActionError
from dure.agreements.models import (
    Agreement,
    AgreementStatus,
    AgreementYear,
    DispatchedResearcher,
    IPTerms,
    Milestone,
)
from dure.audit.actions import record
from dure.organisations.models import Organisation
from dure.proposals.models import Proposal
from dure.proposals.workflow import ProposalStatus


def default_milestones(proposal: Proposal, years: list[int]) -> list[tuple[str, date]]:
    """A yearly progress report for every year but the last, then the final report."""
    items: list[tuple[str, date]] = []
    if proposal.is_international:
        items.append((_("IP licence for the Korean company agreed"), date(years[0], 3, 31)))
    for year in years[:-1]:
        items.append((_("Progress report %(year)s") % {"year": year}, date(year, 12, 31)))
    items.append((_("Final report and outcome evidence"), date(years[-1], 12, 31)))
    return items


def do_draft_agreement(manager, proposal: Proposal) -> Agreement:
    """Draft the agreement of a selected proposal: its yearly budget, dates and default milestones."""
    if proposal.status != ProposalStatus.SELECTED:
        raise ActionError(_("Only a proposal selected for funding can get an agreement; this one is '%(status)s'.")
                          % {"status": proposal.get_status_display()})
    years = proposal.call.years
    budget = dict(proposal.budget_years.values_list("year", "amount_krw"))
    if not any(budget.get(y, 0) > 0 for y in years):
        raise ActionError(_("The proposal has no budget in the call's years (%(years)s); it cannot be funded.")
                          % {"years": ", ".join(map(str, years))})
    with transaction.atomic():
        if Agreement.objects.select_for_update().filter(proposal=proposal).exists():
            raise ActionError(_("This proposal already has an agreement."))
        agreement = Agreement.objects.create(
            proposal=proposal, status=AgreementStatus.DRAFT,
            start_date=date(years[0], 1, 1), end_date=date(years[-1], 12, 31),
        )
        AgreementYear.objects.bulk_create(
            AgreementYear(agreement=agreement, year=y, amount_krw=budget.get(y, 0)) for y in years
        )
        Milestone.objects.bulk_create(
            Milestone(agreement=agreement, title=title, due=due) for title, due in default_milestones(proposal, years)
        )
        record(manager, "agreement.drafted", agreement, proposal=proposal.pk,
               total_krw=sum(budget.get(y, 0) for y in years), years=years)
    return agreement


def _require_draft(agreement: Agreement) -> None:
    if agreement.status != AgreementStatus.DRAFT:
        raise ActionError(_("A signed agreement cannot be changed."))


def member_organisations(agreement: Agreement):
    return Organisation.objects.filter(pk__in=agreement.proposal.members.values("organisation_id")).order_by("name_en")


@dataclass(frozen=True)
class IPTermsInput:
    ownership: str
    licensee: Organisation | None
    licence_scope: str = ""
    exclusive: bool = False
    royalty_terms: str = ""


def check_save_ip_terms(manager, agreement: Agreement, data: IPTermsInput) -> IPTerms:
    _require_draft(agreement)
    problems: dict[str, list[str]] = {}
    if not data.ownership.strip():
        problems["ownership"] = [_("Say who owns the results (for example: the organisations that create them).")]
    if data.licensee is not None and data.licensee.pk not in set(member_organisations(agreement).values_list("pk", flat=True)):
        problems["licensee"] = [_("The licensee must be a member of the project's consortium.")]
    if data.licensee is not None and not data.licence_scope.strip():
        problems["licence_scope"] = [_("Describe the licence to practise (실시권) the licensee receives.")]
    if data.licensee is None and (data.licence_scope.strip() or data.exclusive):
        problems["licensee"] = [_("Choose the organisation that receives the licence.")]
    if problems:
        raise ActionError(problems)
    with transaction.atomic():
        terms, created = IPTerms.objects.update_or_create(
            agreement=agreement,
            defaults=dict(ownership=data.ownership.strip(), licensee=data.licensee,
                          licence_scope=data.licence_scope.strip(), exclusive=data.exclusive,
                          royalty_terms=data.royalty_terms.strip()),
        )
        record(manager, "agreement.ip_terms_saved", agreement, created=created,
               licensee=data.licensee.pk if data.licensee else None, exclusive=data.exclusive,
               grants_korean_licence=terms.grants_korean_licence)
    return terms


def check_add_milestone(manager, agreement: Agreement, title: str, due: date) -> Milestone:
    _require_draft(agreement)
    if not title.strip():
        raise ActionError({"title": [_("Give the milestone a title.")]})
    if not agreement.start_date <= due <= agreement.end_date:
        raise ActionError({"due": [_("The due date must fall within the agreement (%(start)s to %(end)s).")
                                   % {"start": agreement.start_date, "end": agreement.end_date}]})
    with transaction.atomic():
        milestone = Milestone.objects.create(agreement=agreement, title=title.strip(), due=due)
        record(manager, "agreement.milestone_added", agreement, milestone=milestone.pk, due=due)
    return milestone


@dataclass(frozen=True)
class DispatchInput:
    researcher_name: str
    home_organisation: Organisation
    host_organisation: Organisation
    start: date
    end: date
    is_sample: bool = False


def check_add_dispatch(manager, agreement: Agreement, data: DispatchInput) -> DispatchedResearcher:
    """Record a Korean researcher sent to a foreign partner's cooperation centre."""
    problems: dict[str, list[str]] = {}
    if not agreement.proposal.is_international:
        problems["__all__"] = [_("Researchers are dispatched only in international projects.")]
    if not data.researcher_name.strip():
        problems["researcher_name"] = [_("Give the researcher's name.")]
    members = set(member_organisations(agreement).values_list("pk", flat=True))
    if data.home_organisation.pk not in members or not data.home_organisation.is_domestic:
        problems["home_organisation"] = [_("The home organisation must be a Korean member of the consortium.")]
    if data.host_organisation.is_domestic:
        problems["host_organisation"] = [_("The host must be a foreign organisation.")]
    if data.end <= data.start:
        problems["end"] = [_("The end date must be after the start date.")]
    elif not (agreement.start_date <= data.start and data.end <= agreement.end_date):
        problems["start"] = [_("The dispatch must fall within the agreement (%(start)s to %(end)s).")
                             % {"start": agreement.start_date, "end": agreement.end_date}]
    if problems:
        raise ActionError(problems)
    with transaction.atomic():
        dispatch = DispatchedResearcher.objects.create(
            agreement=agreement, researcher_name=data.researcher_name.strip(),
            home_organisation=data.home_organisation, host_organisation=data.host_organisation,
            start=data.start, end=data.end, is_sample=data.is_sample,
        )
        record(manager, "agreement.researcher_dispatched", agreement, sensitive=True, dispatch=dispatch.pk,
               host=data.host_organisation.pk, start=data.start, end=data.end)
    return dispatch


def signing_problems(agreement: Agreement) -> list[str]:
    """What stops this agreement from being signed, in words that say what to add."""
    problems: list[str] = []
    if agreement.status != AgreementStatus.DRAFT:
        return [_("This agreement is already signed.")]
    if sum(agreement.years.values_list("amount_krw", flat=True)) <= 0:
        problems.append(_("The agreement has no money in any year."))
    terms = IPTerms.objects.filter(agreement=agreement).select_related("licensee").first()
    if terms is None:
        problems.append(_("Add the IP terms: who owns the results and who receives a licence."))
    if agreement.proposal.is_international and not (terms and terms.grants_korean_licence):
        problems.append(_(
            "An international project cannot be signed without a licence to practise (실시권) for a Korean "
            "company: in the IP terms, choose a Korean company of the consortium as licensee and describe "
            "the licence scope."
        ))
    return problems


def check_sign_agreement(manager, agreement: Agreement) -> Agreement:
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().select_related("proposal__lead_user").get(pk=agreement.pk)
        problems = signing_problems(agreement)
        if problems:
            raise ActionError({"__all__": problems})
        agreement.status = AgreementStatus.SIGNED
        agreement.signed_at = timezone.now()
        agreement.signed_by = manager
        agreement.save(update_fields=["status", "signed_at", "signed_by"])
        record(manager, "agreement.signed", agreement, proposal=agreement.proposal_id, total_krw=agreement.total_krw,
               international=agreement.proposal.is_international)
        lead = agreement.proposal.lead_user
        title = agreement.proposal.title
        if lead.email:
            transaction.on_commit(lambda: send_mail(
                subject=f"[Dure] Agreement signed: {title}",
                message=(
                    f"The funding agreement for '{title}' was signed on {agreement.signed_at:%Y-%m-%d}.\n"
                    f"Project period: {agreement.start_date} to {agreement.end_date}.\n"
                    "Yearly outcome reports are due after each project year."
                ),
                from_email=None, recipient_list=[lead.email],
            ))
    return agreement


def check_record_spending(manager, agreement: Agreement, year: int, spent_krw: int) -> AgreementYear:
    """Record the money spent in one year of a signed agreement (at most that year's amount)."""
    if agreement.status != AgreementStatus.SIGNED:
        raise ActionError(_("Spending is recorded only for signed agreements."))
    with transaction.atomic():
        row = AgreementYear.objects.select_for_update().filter(agreement=agreement, year=year).first()
        if row is None:
            raise ActionError({"year": [_("%(year)s is not a year of this agreement.") % {"year": year}]})
        if not 0 <= spent_krw <= row.amount_krw:
            raise ActionError({"spent_krw": [_("Spending must be between 0 and the year's amount.")]})
        row.spent_krw = spent_krw
        row.save(update_fields=["spent_krw"])
        record(manager, "agreement.spending_recorded", agreement, year=year, spent_krw=spent_krw)
    return row
