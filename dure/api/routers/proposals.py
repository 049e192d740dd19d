"""Proposals over the API: read, edit texts, submit with an idempotency key, receipts."""

from datetime import datetime

from django.db import transaction
from ninja import Header, Router, Schema
from pydantic import Field, field_validator

from dure.api.schemas import ErrorOut, reject_nul
from dure.proposals import actions, selectors
from dure.proposals.models import Proposal, Submission

router = Router(tags=["proposals"])


class ProposalOut(Schema):
    id: int
    public_id: str
    call_id: int
    title: str
    abstract: str
    status: str
    version: int
    submitted_at: datetime | None
    is_international: bool
    total_budget_krw: int


class ProposalTextsIn(Schema):
    title: str | None = Field(None, min_length=1, max_length=300)
    abstract: str | None = Field(None, min_length=1, max_length=20000)
    plain_summary: str | None = Field(None, max_length=5000)
    ip_licence_plan: str | None = Field(None, max_length=10000)
    cooperation_need: str | None = Field(None, max_length=10000)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value):
        return reject_nul(value)


class ReceiptOut(Schema):
    proposal_id: int
    version: int
    receipt_code: str
    received_at: datetime
    content_digest: str
    signature: str
    title: str
    abstract: str


def _input_from(p: Proposal, **changes) -> actions.ProposalInput:
    """The proposal as it stands, with some texts changed: what check_save_proposal takes."""
    members = tuple(
        actions.MemberInput(organisation=m.organisation, role=m.role, budget_share_pct=m.budget_share_pct)
        for m in p.members.select_related("organisation")
    )
    current = dict(
        technology=p.technology, title=p.title, abstract=p.abstract, members=members,
        budget_by_year={b.year: b.amount_krw for b in p.budget_years.all()}, plain_summary=p.plain_summary,
        ip_licence_plan=p.ip_licence_plan, foreign_partner=p.foreign_partner, cooperation_need=p.cooperation_need,
        is_sample=p.is_sample,
    )
    current.update(changes)
    return actions.ProposalInput(**current)


def _out(p: Proposal) -> dict:
    return {
        "id": p.pk, "public_id": str(p.public_id), "call_id": p.call_id, "title": p.title, "abstract": p.abstract,
        "status": p.status, "version": p.version, "submitted_at": p.submitted_at,
        "is_international": p.is_international, "total_budget_krw": p.total_budget_krw,
    }


def _receipt(s: Submission) -> dict:
    return {
        "proposal_id": s.proposal_id, "version": s.version, "receipt_code": s.receipt_code,
        "received_at": s.received_at, "content_digest": s.content_digest, "signature": s.receipt_signature,
        "title": s.snapshot.get("title", ""), "abstract": s.snapshot.get("abstract", ""),
    }


@router.get("", response=list[ProposalOut])
def list_my_proposals(request):
    return [_out(p) for p in selectors.proposals_visible_to(request.user).prefetch_related("budget_years")[:500]]


@router.get("/{proposal_id}", response={200: ProposalOut, 404: ErrorOut})
def get_proposal(request, proposal_id: int):
    return _out(selectors.access_proposal_by_id(request.user, proposal_id))


@router.patch("/{proposal_id}", response={200: ProposalOut, 404: ErrorOut, 422: ErrorOut})
def edit_proposal_texts(request, proposal_id: int, payload: ProposalTextsIn):
    proposal = selectors.access_proposal_by_id(request.user, proposal_id)
    changes = payload.dict(exclude_none=True)
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        data = _input_from(proposal, **changes)
        saved = actions.check_save_proposal(request.user, proposal.call, proposal.consortium, data, proposal=proposal)
    return _out(saved)


@router.post("/{proposal_id}/submit", response={200: ReceiptOut, 404: ErrorOut, 422: ErrorOut})
def submit_proposal(
    request,
    proposal_id: int,
    payload: ProposalTextsIn | None = None,
    idempotency_key: str = Header(..., alias="Idempotency-Key", min_length=8, max_length=80,
                                  description="a unique value per intended submission; retries reuse it"),
):
    """Submit the proposal, optionally with changed texts, as one version.

    The texts and the submission are applied together under the key: a retried request
    (same key) returns the first one's receipt and changes nothing, so a late duplicate
    can never put old text into a new version.
    """
    proposal = selectors.access_proposal_by_id(request.user, proposal_id)
    changes = payload.dict(exclude_none=True) if payload is not None else {}
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        existing = Submission.objects.filter(proposal=locked, idempotency_key=idempotency_key).first()
        if existing is not None:
            return _receipt(existing)
        if changes:
            data = _input_from(locked, **changes)
            locked = actions.check_save_proposal(request.user, locked.call, locked.consortium, data, proposal=locked)
        return _receipt(actions.check_submit_proposal(request.user, locked, idempotency_key))


@router.get("/{proposal_id}/receipts", response={200: list[ReceiptOut], 404: ErrorOut})
def list_receipts(request, proposal_id: int):
    proposal = selectors.access_proposal_by_id(request.user, proposal_id)
    return [_receipt(s) for s in proposal.submissions.order_by("version")]
