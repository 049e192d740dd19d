"""What the public portal shows. Only aggregates and funded projects; never people.

Funded projects are proposals selected for funding. Their organisations are public (they
receive public money); people's names, e-mails, reviews, scores and unfunded proposals are
never read here, so no page built from these functions can show them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils.translation import get_language

from dure.agreements.models import AgreementYear
from dure.organisations.models import Organisation
from dure.outcomes.dashboard import OUTCOME_FIELDS
from dure.outcomes.models import OutcomeReport
from dure.portal.countries import alpha3, country_name
from dure.portal.models import Comment, CommentStatus
from dure.programmes.models import Programme, TrackBudget
from dure.proposals.models import Proposal, ProposalMember
from dure.proposals.workflow import ProposalStatus


@dataclass(frozen=True)
class PublicProject:
    pk: int
    title: str
    summary: str
    track: str
    sector: str
    organisations: list[str]
    foreign_partner: str
    international: bool
    committed_krw: int
    signed: bool
    is_sample: bool


@dataclass
class PublicFigures:
    programme: Programme | None
    tracks: list[dict] = field(default_factory=list)
    committed_krw: int = 0
    international_krw: int = 0
    projects_by_sector: list[tuple[str, str, int]] = field(default_factory=list)
    partners_by_country: list[dict] = field(default_factory=list)
    outcomes_by_year: list[tuple[int, dict[str, int]]] = field(default_factory=list)
    projects: list[PublicProject] = field(default_factory=list)

    @property
    def international_share(self) -> float | None:
        return self.international_krw / self.committed_krw if self.committed_krw else None


def funded_proposals(programme: Programme):
    return Proposal.objects.filter(call__programme=programme, status=ProposalStatus.SELECTED)


def public_figures() -> PublicFigures:
    programme = Programme.objects.order_by("pk").first()
    figs = PublicFigures(programme=programme)
    if programme is None:
        return figs
    funded = funded_proposals(programme).select_related(
        "call__track", "technology__sector", "foreign_partner", "agreement").order_by("call__track__order", "title")
    years = AgreementYear.objects.filter(agreement__proposal__in=funded)
    committed_by_proposal: dict[int, int] = defaultdict(int)
    for proposal_id, amount in years.values_list("agreement__proposal_id", "amount_krw"):
        committed_by_proposal[proposal_id] += amount
    figs.committed_krw = sum(committed_by_proposal.values())

    budgets = dict(TrackBudget.objects.filter(track__programme=programme).values("track_id")
                   .annotate(s=Sum("amount_krw")).values_list("track_id", "s"))
    projects_by_track = Counter()
    committed_by_track: dict[int, int] = defaultdict(int)
    sectors = Counter()
    sector_track: dict[tuple[str, str], int] = Counter()
    members = defaultdict(list)
    for proposal_id, name_en, name_ko, country in ProposalMember.objects.filter(proposal__in=funded).values_list(
            "proposal_id", "organisation__name_en", "organisation__name_ko", "organisation__country_code"):
        members[proposal_id].append((name_en, name_ko, country))
    ko = (get_language() or "").startswith("ko")
    for p in funded:
        track = p.call.track
        projects_by_track[track.pk] += 1
        committed_by_track[track.pk] += committed_by_proposal[p.pk]
        sectors[p.technology.sector.name] += 1
        sector_track[track.name, p.technology.sector.name] += 1
        if p.is_international:
            figs.international_krw += committed_by_proposal[p.pk]
        names = [(nk if ko and nk else ne) for ne, nk, _c in members[p.pk]]
        figs.projects.append(PublicProject(
            pk=p.pk, title=p.title, summary=p.plain_summary, track=track.name, sector=p.technology.sector.name,
            organisations=sorted(set(names)), foreign_partner=p.foreign_partner.display_name if p.foreign_partner else "",
            international=p.is_international, committed_krw=committed_by_proposal[p.pk],
            signed=hasattr(p, "agreement") and p.agreement.status == "signed", is_sample=p.is_sample,
        ))
    for track in programme.tracks.order_by("order"):
        figs.tracks.append({"name": track.name, "budget_krw": budgets.get(track.pk, 0),
                            "committed_krw": committed_by_track[track.pk], "projects": projects_by_track[track.pk]})
    figs.projects_by_sector = sorted(((t, s, n) for (t, s), n in sector_track.items()))

    org_ids = set(ProposalMember.objects.filter(proposal__in=funded).values_list("organisation_id", flat=True))
    org_ids |= set(funded.exclude(foreign_partner=None).values_list("foreign_partner_id", flat=True))
    by_country: dict[str, dict] = {}
    projects_per_org = Counter(ProposalMember.objects.filter(proposal__in=funded).values_list("organisation_id", flat=True))
    for org in Organisation.objects.filter(pk__in=org_ids):
        row = by_country.setdefault(org.country_code, {"code": org.country_code, "iso3": alpha3(org.country_code),
                                                       "name": country_name(org.country_code), "organisations": 0,
                                                       "projects": 0})
        row["organisations"] += 1
        row["projects"] += projects_per_org.get(org.pk, 0)
    figs.partners_by_country = sorted(by_country.values(), key=lambda r: (-r["organisations"], r["name"]))

    by_year: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOME_FIELDS, 0))
    for row in OutcomeReport.objects.filter(agreement__proposal__in=funded).values("year", *OUTCOME_FIELDS):
        for name in OUTCOME_FIELDS:
            by_year[row["year"]][name] += row[name]
    figs.outcomes_by_year = sorted(by_year.items())
    return figs


def public_comments():
    return Comment.objects.filter(status=CommentStatus.VISIBLE).order_by("-created_at")


def comments_for_moderation():
    return Comment.objects.select_related("author").order_by("status", "-created_at")


def access_comment_for_moderation(user, comment_id) -> Comment:
    from dure.accounts.permissions import NotFoundOrForbidden

    if not (user.is_authenticated and user.role == "manager"):
        raise NotFoundOrForbidden("comment")
    try:
        return Comment.objects.get(pk=comment_id)
    except (Comment.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("comment") from None
