"""Reads for demands, offers and consortia; each sensitive object through one access function."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dure.accounts.models import Role
from dure.accounts.permissions import NotFoundOrForbidden
from dure.organisations.models import Organisation
from dure.partners.models import Consortium, Demand, JointResearchOffer, OfferStatus

SEARCH_LIMIT = 30


def demands_visible_to(user) -> QuerySet[Demand]:
    """Companies see their own organisation's demands; research users and managers see open ones."""
    qs = Demand.objects.select_related("company", "technology", "posted_by")
    if user.role == Role.COMPANY:
        return qs.filter(company_id=user.organisation_id) if user.organisation_id else qs.none()
    if user.role == Role.RESEARCH:
        return qs.filter(is_open=True)
    if user.role == Role.MANAGER:
        return qs
    return qs.none()


def access_demand_by_id(user, demand_id) -> Demand:
    try:
        return demands_visible_to(user).get(pk=demand_id)
    except (Demand.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("demand") from None


def offers_visible_to(user) -> QuerySet[JointResearchOffer]:
    """Offers my organisation made or received."""
    qs = JointResearchOffer.objects.select_related("company", "research_org", "demand", "sent_by", "consortium")
    if not user.organisation_id or user.role not in (Role.COMPANY, Role.RESEARCH):
        return qs.none()
    return qs.filter(Q(company_id=user.organisation_id) | Q(research_org_id=user.organisation_id))


def access_offer_by_id(user, offer_id) -> JointResearchOffer:
    try:
        return offers_visible_to(user).get(pk=offer_id)
    except (JointResearchOffer.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("offer") from None


def can_decide_offer(user, offer: JointResearchOffer) -> bool:
    return (
        user.role == Role.COMPANY
        and user.organisation_id == offer.company_id
        and offer.status == OfferStatus.PENDING
    )


def consortia_of(user) -> QuerySet[Consortium]:
    """Consortia my organisation belongs to (managers see all)."""
    qs = Consortium.objects.select_related("lead", "demand").prefetch_related("members__organisation")
    if user.role == Role.MANAGER:
        return qs
    if not user.organisation_id or user.role not in (Role.COMPANY, Role.RESEARCH):
        return qs.none()
    return qs.filter(members__organisation_id=user.organisation_id).distinct()


def consortia_led_by(user) -> QuerySet[Consortium]:
    if not user.organisation_id or user.role not in (Role.COMPANY, Role.RESEARCH):
        return Consortium.objects.none()
    return Consortium.objects.filter(lead_id=user.organisation_id).prefetch_related("members__organisation")


def access_consortium_by_id(user, consortium_id) -> Consortium:
    try:
        return consortia_of(user).get(pk=consortium_id)
    except (Consortium.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("consortium") from None


def is_consortium_lead(user, consortium: Consortium) -> bool:
    return user.role in (Role.COMPANY, Role.RESEARCH) and user.organisation_id == consortium.lead_id


def search_organisations(query: str, *, exclude_ids=()) -> QuerySet[Organisation]:
    """Organisations whose English or Korean name, acronym or ROR id contains ``query``."""
    query = (query or "").strip()
    if not query:
        return Organisation.objects.none()
    ror = query.rsplit("/", 1)[-1]
    qs = Organisation.objects.filter(
        Q(name_en__icontains=query)
        | Q(name_ko__icontains=query)
        | Q(acronym__iexact=query)
        | Q(ror_id__iexact=ror)
        | Q(ror_id__iendswith="/" + ror)
    ).exclude(pk__in=list(exclude_ids))
    return qs.order_by("name_en")[:SEARCH_LIMIT]
