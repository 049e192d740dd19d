"""Submission snapshots, their content digest, and signed receipts (HMAC-SHA256).

A receipt signs ``public_id|version|received_at|digest`` with ``settings.DURE_RECEIPT_KEY``.
``received_at`` is written in UTC ISO 8601 with microseconds, so the same instant always
gives the same text whatever time zone the caller holds it in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from dure.proposals.models import Proposal


def canonical_json(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def content_digest(snapshot: dict) -> str:
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()


def iso_utc(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def receipt_message(public_id, version: int, received_at: datetime, digest: str) -> bytes:
    return f"{public_id}|{int(version)}|{iso_utc(received_at)}|{digest}".encode()


def sign_receipt(public_id, version: int, received_at: datetime, digest: str, *, key: str | None = None) -> str:
    secret = (key if key is not None else settings.DURE_RECEIPT_KEY).encode()
    return hmac.new(secret, receipt_message(public_id, version, received_at, digest), hashlib.sha256).hexdigest()


def verify_receipt(public_id, version: int, received_at: datetime, digest: str, signature: str, *,
                   key: str | None = None) -> bool:
    """True when ``signature`` is Dure's signature over exactly these receipt fields."""
    expected = sign_receipt(public_id, version, received_at, digest, key=key)
    return hmac.compare_digest(expected, (signature or "").strip().lower())


def verify_submission(submission) -> bool:
    """The stored snapshot still has its digest, and the receipt signature matches."""
    return submission.content_digest == content_digest(submission.snapshot) and verify_receipt(
        submission.proposal.public_id, submission.version, submission.received_at,
        submission.content_digest, submission.receipt_signature,
    )


def snapshot_of(proposal: Proposal) -> dict:
    """Everything the applicant submitted, as JSON, for the record and the digest."""
    return {
        "proposal": str(proposal.public_id),
        "version": proposal.version,
        "call": proposal.call_id,
        "consortium": proposal.consortium_id,
        "technology": proposal.technology.code,
        "title": proposal.title,
        "abstract": proposal.abstract,
        "plain_summary": proposal.plain_summary,
        "ip_licence_plan": proposal.ip_licence_plan,
        "foreign_partner": proposal.foreign_partner_id,
        "cooperation_need": proposal.cooperation_need,
        "members": [
            {"organisation": m.organisation_id, "ror_id": m.organisation.ror_id, "name": m.organisation.name_en,
             "role": m.role, "budget_share_pct": str(m.budget_share_pct)}
            for m in proposal.members.select_related("organisation").order_by("organisation_id")
        ],
        "budget": {str(b.year): b.amount_krw for b in proposal.budget_years.order_by("year")},
        "attachments": [
            {"name": a.original_name, "size": a.size, "sha256": a.sha256}
            for a in proposal.attachments.order_by("pk")
        ],
    }
