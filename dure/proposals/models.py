"""Proposals to a call: consortium, budget per year, IP licence plan, versions, receipts."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dure.partners.models import MemberRole
from dure.proposals.workflow import ProposalStatus


class Proposal(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    call = models.ForeignKey("programmes.Call", on_delete=models.PROTECT, related_name="proposals")
    consortium = models.ForeignKey("partners.Consortium", on_delete=models.PROTECT, related_name="proposals")
    lead_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals_led")
    technology = models.ForeignKey("programmes.Technology", on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(_("title"), max_length=300)
    abstract = models.TextField(_("abstract"))
    plain_summary = models.TextField(_("plain-language summary for the public"), blank=True)
    ip_licence_plan = models.TextField(_("IP licence plan"), blank=True)
    foreign_partner = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cooperation_need = models.TextField(_("why international cooperation is needed"), blank=True)
    status = models.CharField(max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT)
    version = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    is_sample = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_international(self) -> bool:
        return self.foreign_partner_id is not None

    @property
    def total_budget_krw(self) -> int:
        return sum(b.amount_krw for b in self.budget_years.all())


class ProposalMember(models.Model):
    """The consortium as it stands in this proposal: role and share of the budget."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=MemberRole.choices)
    budget_share_pct = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        unique_together = [("proposal", "organisation")]
        ordering = ["proposal", "role"]


class ProposalBudgetYear(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="budget_years")
    year = models.PositiveIntegerField()
    amount_krw = models.BigIntegerField()

    class Meta:
        unique_together = [("proposal", "year")]
        ordering = ["proposal", "year"]


class Submission(models.Model):
    """One accepted submission (a version) with its signed, time-stamped receipt."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="submissions")
    version = models.PositiveIntegerField()
    idempotency_key = models.CharField(max_length=80)
    received_at = models.DateTimeField()
    content_digest = models.CharField(max_length=64)
    snapshot = models.JSONField()
    receipt_signature = models.CharField(max_length=64)

    class Meta:
        unique_together = [("proposal", "version"), ("proposal", "idempotency_key")]
        ordering = ["proposal", "version"]

    @property
    def receipt_code(self) -> str:
        return f"DURE-{self.proposal.public_id.hex[:8].upper()}-{self.version:02d}-{self.receipt_signature[:10].upper()}"


class Attachment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="proposals/%Y/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
