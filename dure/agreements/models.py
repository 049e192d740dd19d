"""Funding agreements (협약): budget per year, milestones, dispatched researchers, IP terms."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")


class Agreement(models.Model):
    proposal = models.OneToOneField("proposals.Proposal", on_delete=models.PROTECT, related_name="agreement")
    status = models.CharField(max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT)
    start_date = models.DateField()
    end_date = models.DateField()
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.proposal.title}"

    @property
    def total_krw(self) -> int:
        return sum(y.amount_krw for y in self.years.all())


class AgreementYear(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveIntegerField()
    amount_krw = models.BigIntegerField()
    spent_krw = models.BigIntegerField(default=0)

    class Meta:
        unique_together = [("agreement", "year")]
        ordering = ["agreement", "year"]


class Milestone(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=300)
    due = models.DateField()
    done = models.BooleanField(default=False)

    class Meta:
        ordering = ["agreement", "due"]


class DispatchedResearcher(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="dispatches")
    researcher_name = models.CharField(max_length=200)
    home_organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    host_organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="hosted_dispatches")
    start = models.DateField()
    end = models.DateField()
    is_sample = models.BooleanField(default=False)


class IPTerms(models.Model):
    agreement = models.OneToOneField(Agreement, on_delete=models.CASCADE, related_name="ip_terms")
    ownership = models.TextField(_("who owns the results"))
    licensee = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="licences"
    )
    licence_scope = models.TextField(_("licence to practise (실시권) granted"), blank=True)
    exclusive = models.BooleanField(default=False)
    royalty_terms = models.TextField(blank=True)

    @property
    def grants_korean_licence(self) -> bool:
        return bool(
            self.licensee_id
            and self.licensee.country_code == "KR"
            and self.licensee.is_company
            and self.licence_scope.strip()
        )
