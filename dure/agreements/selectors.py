"""Reads for agreements and cooperation centres, with the one access function per agreement."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from dure.accounts.models import Role
from dure.accounts.permissions import NotFoundOrForbidden
from dure.agreements.models import Agreement, DispatchedResearcher
from dure.organisations.models import Organisation


def agreements_visible_to(user) -> QuerySet[Agreement]:
    """Managers see every agreement; company and research users those their organisation is a member of."""
    qs = Agreement.objects.select_related(
        "proposal", "proposal__call__track", "proposal__technology__sector", "proposal__foreign_partner"
    ).order_by("proposal__call__track__order", "proposal__title")
    if not (user.is_authenticated and user.is_active):
        return qs.none()
    if user.role == Role.MANAGER:
        return qs
    if user.role in (Role.COMPANY, Role.RESEARCH) and user.organisation_id:
        return qs.filter(proposal__members__organisation_id=user.organisation_id).distinct()
    return qs.none()


def access_agreement_by_id(user, agreement_id) -> Agreement:
    try:
        return agreements_visible_to(user).get(pk=agreement_id)
    except (Agreement.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("agreement") from None


def can_edit_agreement(user) -> bool:
    return user.is_authenticated and user.role == Role.MANAGER


@dataclass
class CooperationCentre:
    host: Organisation
    agreements: list[Agreement] = field(default_factory=list)
    dispatches: list[DispatchedResearcher] = field(default_factory=list)


def cooperation_centres(user) -> list[CooperationCentre]:
    """Per foreign host organisation: hosted projects (foreign partner or dispatch host) and dispatches.

    Researchers' names are shown only where the reader may see the agreement; otherwise
    ``dispatch.name_hidden`` is set and the page names only the home organisation.
    """
    visible = set(agreements_visible_to(user).values_list("pk", flat=True))
    centres: dict[int, CooperationCentre] = {}
    hosted = Agreement.objects.filter(proposal__foreign_partner__isnull=False).select_related(
        "proposal__foreign_partner", "proposal__call__track"
    ).prefetch_related(Prefetch("dispatches", queryset=DispatchedResearcher.objects.select_related(
        "home_organisation", "host_organisation").order_by("start")))
    for agreement in hosted.order_by("proposal__title"):
        hosts = {agreement.proposal.foreign_partner_id: agreement.proposal.foreign_partner}
        for d in agreement.dispatches.all():
            hosts.setdefault(d.host_organisation_id, d.host_organisation)
            d.name_hidden = agreement.pk not in visible
            centre = centres.setdefault(d.host_organisation_id, CooperationCentre(d.host_organisation))
            centre.dispatches.append(d)
        for host_id, host in hosts.items():
            centre = centres.setdefault(host_id, CooperationCentre(host))
            if agreement not in centre.agreements:
                centre.agreements.append(agreement)
    return sorted(centres.values(), key=lambda c: c.host.name_en)


def proposals_awaiting_agreement(user):
    """Selected proposals that have no agreement yet (managers only)."""
    from dure.proposals.models import Proposal
    from dure.proposals.workflow import ProposalStatus

    if not (user.is_authenticated and user.role == Role.MANAGER):
        return Proposal.objects.none()
    return Proposal.objects.filter(status=ProposalStatus.SELECTED, agreement__isnull=True).select_related(
        "call__track").order_by("title")


def access_proposal_for_agreement(user, proposal_id):
    qs = proposals_awaiting_agreement(user)
    try:
        return qs.get(pk=proposal_id)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("proposal") from None
