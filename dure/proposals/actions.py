"""Every write to proposals: drafts, attachments and submissions with signed receipts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dure.accounts.errors import ActionError
from dure.accounts.models import Role, User
from dure.audit.actions import record
from dure.organisations.models import Organisation
from dure.partners.models import Consortium, MemberRole
from dure.programmes.models import Call, Technology
from dure.proposals.eligibility import (
    CallRules,
    MemberFacts,
    Problem,
    ProposalFacts,
    check_eligibility,
)
from dure.proposals.models import (
    Attachment,
    Proposal,
    ProposalBudgetYear,
    ProposalMember,
    Submission,
)
from dure.proposals.receipts import content_digest, sign_receipt, snapshot_of
from dure.proposals.uploads import CheckedUpload, check_pdf_upload
from dure.proposals.workflow import EDITABLE, ProposalStatus, check_proposal_transition

MAX_IDEMPOTENCY_KEY = 80
SEOUL = ZoneInfo("Asia/Seoul")


@dataclass(frozen=True)
class MemberInput:
    organisation: Organisation
    role: str
    budget_share_pct: Decimal


@dataclass(frozen=True)
class ProposalInput:
    technology: Technology | None
    title: str
    abstract: str
    members: tuple[MemberInput, ...]
    budget_by_year: Mapping[int, int]
    plain_summary: str = ""
    ip_licence_plan: str = ""
    foreign_partner: Organisation | None = None
    cooperation_need: str = ""
    is_sample: bool = False


def may_write(user: User, consortium: Consortium) -> bool:
    """People of the consortium's lead organisation write and submit its proposals."""
    return (
        user.is_authenticated
        and user.role in (Role.COMPANY, Role.RESEARCH)
        and user.organisation_id is not None
        and user.organisation_id == consortium.lead_id
    )


def rules_of(call: Call) -> CallRules:
    return CallRules(
        track_id=call.track_id, is_open=call.status == "open", opens_at=call.opens_at, deadline=call.deadline,
        grace_seconds=call.grace_seconds, years=tuple(call.years), max_budget_per_year_krw=call.max_budget_per_year_krw,
        min_members=call.min_members, max_members=call.max_members, requires_company=call.requires_company,
        requires_sme=call.requires_sme, requires_foreign_partner=call.requires_foreign_partner,
        requires_ip_plan=call.requires_ip_plan,
    )


def facts_of(proposal: Proposal) -> ProposalFacts:
    members = tuple(
        MemberFacts(
            organisation_id=m.organisation_id, name=m.organisation.name_en, role=m.role, kind=m.organisation.kind,
            country_code=m.organisation.country_code, budget_share_pct=m.budget_share_pct,
        )
        for m in proposal.members.select_related("organisation")
    )
    return ProposalFacts(
        members=members,
        budget_by_year={b.year: b.amount_krw for b in proposal.budget_years.all()},
        technology_track_id=proposal.technology.track_id if proposal.technology_id else None,
        ip_licence_plan=proposal.ip_licence_plan, foreign_partner_id=proposal.foreign_partner_id,
        cooperation_need=proposal.cooperation_need,
    )


def eligibility_problems(proposal: Proposal, now: datetime | None = None, *, lang: str = "en") -> list[Problem]:
    return check_eligibility(facts_of(proposal), rules_of(proposal.call), now or timezone.now(), lang=lang)


def _problems_dict(problems: list[Problem]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for p in problems:
        grouped.setdefault(p.field, []).append(p.message)
    return grouped


def check_save_proposal(user: User, call: Call, consortium: Consortium, data: ProposalInput, *,
                        proposal: Proposal | None = None, attachment=None) -> Proposal:
    """Create or update a draft (or a submitted proposal before the deadline, to re-submit it).

    Completeness is checked on submission; here only what can never be right is refused.
    """
    problems: dict[str, list[str]] = {}
    if not may_write(user, consortium):
        raise ActionError(_("Only people of the consortium's lead organisation can write its proposals."))
    if not call.accepts_submissions_at(timezone.now()):
        problems.setdefault("__all__", []).append(_("This call does not accept proposals now; the proposal cannot be changed."))
    if proposal is not None and proposal.status not in EDITABLE:
        problems.setdefault("__all__", []).append(_("This proposal is in evaluation and can no longer be changed."))
    if data.technology is None:
        problems.setdefault("technology", []).append(_("Choose the technology the proposal addresses."))
    elif data.technology.track_id != call.track_id:
        problems.setdefault("technology", []).append(_("Choose a technology of this call's track."))
    if not data.title.strip():
        problems.setdefault("title", []).append(_("Give the proposal a title."))
    if not data.abstract.strip():
        problems.setdefault("abstract", []).append(_("Write an abstract."))
    member_ids = consortium.organisation_ids()
    for m in data.members:
        if m.organisation.pk not in member_ids:
            problems.setdefault("members", []).append(
                _("%(org)s is not a member of the consortium; add it there first.") % {"org": m.organisation.name_en})
        if m.role not in MemberRole.values:
            problems.setdefault("members", []).append(_("Choose a role for each member."))
        if not Decimal(0) <= m.budget_share_pct <= Decimal(100):
            problems.setdefault("members", []).append(_("Each budget share is between 0 and 100%."))
    if len({m.organisation.pk for m in data.members}) != len(data.members):
        problems.setdefault("members", []).append(_("Each organisation appears once."))
    for year, amount in data.budget_by_year.items():
        if year not in call.years:
            problems.setdefault("__all__", []).append(_("The call does not fund the year %(year)d.") % {"year": year})
        elif amount < 0:
            problems.setdefault(f"budget_{year}", []).append(_("A budget cannot be negative."))
    checked: CheckedUpload | None = None
    if attachment is not None:
        result = check_pdf_upload(attachment)
        if isinstance(result, str):
            problems.setdefault("attachment", []).append(result)
        else:
            checked = result
    if problems:
        raise ActionError(problems)

    with transaction.atomic():
        if proposal is None:
            proposal = Proposal(call=call, consortium=consortium, lead_user=user, is_sample=data.is_sample)
        else:
            proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
            if proposal.status not in EDITABLE:
                raise ActionError(_("This proposal is in evaluation and can no longer be changed."))
        proposal.technology = data.technology
        proposal.title = data.title.strip()
        proposal.abstract = data.abstract.strip()
        proposal.plain_summary = data.plain_summary.strip()
        proposal.ip_licence_plan = data.ip_licence_plan.strip()
        proposal.foreign_partner = data.foreign_partner
        proposal.cooperation_need = data.cooperation_need.strip()
        created = proposal.pk is None
        proposal.save()
        proposal.members.all().delete()
        ProposalMember.objects.bulk_create(
            ProposalMember(proposal=proposal, organisation=m.organisation, role=m.role, budget_share_pct=m.budget_share_pct)
            for m in data.members
        )
        proposal.budget_years.all().delete()
        ProposalBudgetYear.objects.bulk_create(
            ProposalBudgetYear(proposal=proposal, year=year, amount_krw=amount)
            for year, amount in sorted(data.budget_by_year.items())
        )
        if checked is not None:
            attachment.seek(0)
            proposal.attachments.all().delete()
            stored = Attachment(proposal=proposal, original_name=checked.name, content_type=checked.content_type,
                                size=checked.size, sha256=checked.sha256)
            stored.file.save(checked.name, ContentFile(attachment.read()), save=False)
            stored.save()
        record(user, "proposal.created" if created else "proposal.edited", proposal, call=call.pk,
               attachment=checked.sha256 if checked else None)
    return proposal


def check_submit_proposal(user: User, proposal: Proposal, idempotency_key: str) -> Submission:
    """Submit the proposal as it stands now and return its signed receipt.

    A key already used for this proposal returns that Submission again (a retried request
    never creates a second one). Re-submitting with a new key before the deadline stores
    a new version. Eligibility and the deadline (with the call's grace period) are checked
    on the server's clock, under a lock on the proposal row; on any problem nothing changes.
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY:
        raise ActionError(_("The submission key is missing or too long; reload the page and submit again."))
    try:
        with transaction.atomic():
            return _submit_locked(user, proposal.pk, key)
    except IntegrityError:
        # A concurrent request with the same key won the race: answer with its receipt.
        existing = Submission.objects.filter(proposal_id=proposal.pk, idempotency_key=key).first()
        if existing is None:
            raise
        return existing


def _submit_locked(user: User, proposal_id: int, key: str) -> Submission:
    locked = Proposal.objects.select_for_update().get(pk=proposal_id)
    if not may_write(user, locked.consortium):
        raise ActionError(_("Only people of the consortium's lead organisation can submit its proposals."))
    existing = Submission.objects.filter(proposal=locked, idempotency_key=key).first()
    if existing is not None:
        return existing
    if locked.status not in EDITABLE:
        raise ActionError(_("This proposal is in evaluation and can no longer be submitted."))
    now = timezone.now()
    problems = check_eligibility(facts_of(locked), rules_of(locked.call), now)
    if problems:
        raise ActionError(_problems_dict(problems))
    check_proposal_transition(locked.status, ProposalStatus.SUBMITTED)
    locked.version += 1
    snapshot = snapshot_of(locked)
    digest = content_digest(snapshot)
    submission = Submission.objects.create(
        proposal=locked, version=locked.version, idempotency_key=key, received_at=now,
        content_digest=digest, snapshot=snapshot,
        receipt_signature=sign_receipt(locked.public_id, locked.version, now, digest),
    )
    locked.status = ProposalStatus.SUBMITTED
    locked.submitted_at = now
    locked.save(update_fields=["version", "status", "submitted_at"])
    record(user, "proposal.submitted", locked, version=locked.version, digest=digest, call=locked.call_id)
    recipient = locked.lead_user.email
    subject = _("Receipt for your proposal “%(title)s” (version %(v)d)") % {"title": locked.title, "v": locked.version}
    body = receipt_text(submission)
    transaction.on_commit(lambda: _mail(subject, body, [recipient] if recipient else []))
    submission.proposal = locked
    return submission


def receipt_text(submission: Submission) -> str:
    seoul = submission.received_at.astimezone(SEOUL)
    return "\n".join([
        _("Dure received your proposal."),
        _("Receipt code: %(code)s") % {"code": submission.receipt_code},
        _("Received at: %(t)s (Asia/Seoul)") % {"t": seoul.strftime("%Y-%m-%d %H:%M:%S")},
        _("Version: %(v)d") % {"v": submission.version},
        _("Content digest (SHA-256): %(d)s") % {"d": submission.content_digest},
        _("Signature (HMAC-SHA256): %(s)s") % {"s": submission.receipt_signature},
    ])


def _mail(subject: str, body: str, recipients: list[str]) -> None:
    if recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
