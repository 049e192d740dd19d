"""Company demand, research organisations reaching out, and consortia."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Demand(models.Model):
    """A company's technology need, posted so research organisations can answer it."""

    company = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="demands"
    )
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    technology = models.ForeignKey(
        "programmes.Technology", null=True, blank=True, on_delete=models.SET_NULL, related_name="demands"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("what the company needs"))
    competences = models.JSONField(_("competences needed"), default=list, blank=True)
    is_open = models.BooleanField(default=True)
    is_sample = models.BooleanField(_("sample data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the company")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class JointResearchOffer(models.Model):
    """A research organisation proposing joint research to a company ("reach out first")."""

    demand = models.ForeignKey(Demand, null=True, blank=True, on_delete=models.CASCADE, related_name="offers")
    company = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="offers_received")
    research_org = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="offers_made")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("proposal to the company"))
    commercialisation_goal = models.TextField(_("commercialisation goal"), blank=True)
    status = models.CharField(max_length=20, choices=OfferStatus.choices, default=OfferStatus.PENDING)
    consortium = models.ForeignKey("Consortium", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_sample = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class MemberRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    RESEARCH = "research", _("Research partner")
    SME = "sme", _("SME")
    LARGE = "large", _("Large company")
    FOREIGN = "foreign", _("Foreign partner")


class Consortium(models.Model):
    name = models.CharField(_("name"), max_length=200)
    lead = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="led_consortia")
    demand = models.ForeignKey(Demand, null=True, blank=True, on_delete=models.SET_NULL, related_name="consortia")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_sample = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = _("consortia")

    def __str__(self) -> str:
        return self.name

    def organisation_ids(self) -> set[int]:
        return set(self.members.values_list("organisation_id", flat=True))


class ConsortiumMember(models.Model):
    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=MemberRole.choices)

    class Meta:
        unique_together = [("consortium", "organisation")]
        ordering = ["consortium", "role"]
