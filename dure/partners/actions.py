"""Every write to demands, joint-research offers and consortia.

Each ``check_*`` action validates, writes in one transaction with an audit row, and sends
its e-mails only after the transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dure.accounts.errors import ActionError
from dure.accounts.models import Role, User
from dure.audit.actions import record
from dure.organisations.models import Organisation, OrgKind
from dure.partners.models import (
    Consortium,
    ConsortiumMember,
    Demand,
    JointResearchOffer,
    MemberRole,
    OfferStatus,
)
from dure.programmes.models import Technology

# The role an organisation takes when it joins through an accepted offer.
_ROLE_FOR_KIND = {OrgKind.SME: MemberRole.SME, OrgKind.LARGE: MemberRole.LARGE, OrgKind.FOREIGN: MemberRole.FOREIGN}


@dataclass(frozen=True)
class DemandInput:
    title: str
    description: str
    competences: list[str] = field(default_factory=list)
    technology: Technology | None = None
    is_sample: bool = False


def check_create_demand(user: User, data: DemandInput) -> Demand:
    if user.role != Role.COMPANY or not user.organisation_id:
        raise ActionError(_("Only people who act for a company can post a demand."))
    if not user.organisation.is_company:
        raise ActionError(_("Your organisation is not registered as a company; ask a manager to correct it."))
    problems: dict[str, list[str]] = {}
    if not data.title.strip():
        problems["title"] = [_("Give the demand a title.")]
    if not data.description.strip():
        problems["description"] = [_("Describe what your company needs.")]
    if problems:
        raise ActionError(problems)
    with transaction.atomic():
        demand = Demand.objects.create(
            company=user.organisation, posted_by=user, technology=data.technology,
            title=data.title.strip(), description=data.description.strip(),
            competences=list(data.competences), is_sample=data.is_sample,
        )
        record(user, "demand.created", demand, title=demand.title)
    return demand


@dataclass(frozen=True)
class OfferInput:
    message: str
    commercialisation_goal: str
    demand: Demand | None = None
    company: Organisation | None = None
    is_sample: bool = False


def check_send_offer(user: User, data: OfferInput) -> JointResearchOffer:
    """A research organisation proposes joint research to a company ("reach out first")."""
    if user.role != Role.RESEARCH or not user.organisation_id:
        raise ActionError(_("Only people who act for a research organisation can propose joint research."))
    problems: dict[str, list[str]] = {}
    company = data.demand.company if data.demand is not None else data.company
    if data.demand is not None and not data.demand.is_open:
        problems.setdefault("__all__", []).append(_("This demand is closed; choose another demand or a company."))
    if company is None:
        problems.setdefault("company", []).append(_("Choose the company you want to work with."))
    elif not company.is_company:
        problems.setdefault("company", []).append(_("Offers go to companies; choose an SME or a large company."))
    if not data.message.strip():
        problems.setdefault("message", []).append(_("Tell the company what you propose to do together."))
    if not data.commercialisation_goal.strip():
        problems.setdefault("commercialisation_goal", []).append(
            _("State the commercialisation goal: what the company will be able to make or sell.")
        )
    if problems:
        raise ActionError(problems)
    with transaction.atomic():
        offer = JointResearchOffer.objects.create(
            demand=data.demand, company=company, research_org=user.organisation, sent_by=user,
            message=data.message.strip(), commercialisation_goal=data.commercialisation_goal.strip(),
            is_sample=data.is_sample,
        )
        record(user, "offer.sent", offer, company=company.pk, research_org=user.organisation_id)
        recipients = _emails_of(company)
        subject = _("Joint research proposed by %(org)s") % {"org": user.organisation.name_en}
        body = _("%(org)s proposes joint research to your company. Sign in to Dure to accept or decline.") % {
            "org": user.organisation.name_en
        }
        transaction.on_commit(lambda: _mail(subject, body, recipients))
    return offer


def check_decide_offer(user: User, offer: JointResearchOffer, *, accept: bool, is_sample: bool = False) -> JointResearchOffer:
    """The company accepts or declines; accepting forms a consortium led by the research organisation."""
    with transaction.atomic():
        offer = JointResearchOffer.objects.select_for_update(of=("self",)).select_related("company", "research_org", "demand").get(pk=offer.pk)
        if user.role != Role.COMPANY or user.organisation_id != offer.company_id:
            raise ActionError(_("Only the company the offer was sent to can answer it."))
        if offer.status != OfferStatus.PENDING:
            raise ActionError(_("This offer has already been answered."))
        offer.decided_at = timezone.now()
        if accept:
            name = offer.demand.title if offer.demand else f"{offer.research_org.name_en} – {offer.company.name_en}"
            consortium = Consortium.objects.create(
                name=name[:200], lead=offer.research_org, demand=offer.demand, created_by=user,
                is_sample=is_sample or offer.is_sample,
            )
            ConsortiumMember.objects.create(consortium=consortium, organisation=offer.research_org, role=MemberRole.LEAD)
            ConsortiumMember.objects.create(
                consortium=consortium, organisation=offer.company,
                role=_ROLE_FOR_KIND.get(offer.company.kind, MemberRole.LARGE),
            )
            offer.consortium = consortium
            offer.status = OfferStatus.ACCEPTED
            record(user, "consortium.created", consortium, lead=offer.research_org_id, offer=offer.pk)
        else:
            offer.status = OfferStatus.DECLINED
        offer.save(update_fields=["status", "decided_at", "consortium"])
        record(user, "offer.decided", offer, status=offer.status)
        recipients = [offer.sent_by.email] if offer.sent_by.email else []
        if accept:
            subject = _("%(company)s accepted your joint research offer") % {"company": offer.company.name_en}
            body = _("A consortium led by your organisation has been formed. You can now add members and write a proposal.")
        else:
            subject = _("%(company)s declined your joint research offer") % {"company": offer.company.name_en}
            body = _("The company declined the offer. You can reach out to other companies in Dure.")
        transaction.on_commit(lambda: _mail(subject, body, recipients))
    return offer


def check_create_consortium(user: User, name: str, *, is_sample: bool = False) -> Consortium:
    """Form a consortium led by the user's own organisation."""
    if user.role not in (Role.COMPANY, Role.RESEARCH) or not user.organisation_id:
        raise ActionError(_("Only people who act for an organisation can form a consortium."))
    if not name.strip():
        raise ActionError({"name": [_("Give the consortium a name.")]})
    with transaction.atomic():
        consortium = Consortium.objects.create(
            name=name.strip()[:200], lead=user.organisation, created_by=user, is_sample=is_sample
        )
        ConsortiumMember.objects.create(consortium=consortium, organisation=user.organisation, role=MemberRole.LEAD)
        record(user, "consortium.created", consortium, lead=user.organisation_id)
    return consortium


def check_add_member(user: User, consortium: Consortium, organisation: Organisation, role: str) -> ConsortiumMember:
    """The lead adds an organisation with a role; foreign partners are organisations outside Korea."""
    problems: dict[str, list[str]] = {}
    if user.role not in (Role.COMPANY, Role.RESEARCH) or user.organisation_id != consortium.lead_id:
        raise ActionError(_("Only the consortium's lead organisation can add members."))
    if role not in MemberRole.values or role == MemberRole.LEAD:
        problems["role"] = [_("Choose research partner, SME, large company or foreign partner.")]
    elif role == MemberRole.FOREIGN and organisation.is_domestic:
        problems["role"] = [_("A foreign partner must be an organisation outside Korea; choose another role.")]
    elif role != MemberRole.FOREIGN and not organisation.is_domestic:
        problems["role"] = [_("An organisation outside Korea joins as a foreign partner.")]
    elif role == MemberRole.SME and organisation.kind != OrgKind.SME:
        problems["role"] = [_("This organisation is not an SME; choose another role.")]
    elif role == MemberRole.LARGE and organisation.kind != OrgKind.LARGE:
        problems["role"] = [_("This organisation is not a large company; choose another role.")]
    if ConsortiumMember.objects.filter(consortium=consortium, organisation=organisation).exists():
        problems.setdefault("organisation", []).append(_("This organisation is already a member."))
    if problems:
        raise ActionError(problems)
    try:
        with transaction.atomic():
            member = ConsortiumMember.objects.create(consortium=consortium, organisation=organisation, role=role)
            record(user, "consortium.member_added", consortium, organisation=organisation.pk, role=role)
    except IntegrityError:
        raise ActionError({"organisation": [_("This organisation is already a member.")]}) from None
    return member


def _emails_of(org: Organisation) -> list[str]:
    return list(
        User.objects.filter(organisation=org, is_active=True, role__in=[Role.COMPANY, Role.RESEARCH])
        .exclude(email="")
        .values_list("email", flat=True)
    )


def _mail(subject: str, body: str, recipients: list[str]) -> None:
    if recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
