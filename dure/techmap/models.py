"""Evidence of capability (publications, patents, projects) and expert overrides of the map."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EvidenceKind(models.TextChoices):
    PUBLICATION = "publication", _("Publication")
    PATENT = "patent", _("Patent")
    PROJECT = "project", _("Project")


class Evidence(models.Model):
    """One publication, patent or project, with the organisations on it."""

    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices)
    external_id = models.CharField(_("external id"), max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=500)
    text = models.TextField(blank=True)  # title and abstract, for keyword matching and search
    year = models.PositiveIntegerField(_("year"), null=True, blank=True)
    citations = models.PositiveIntegerField(_("citations"), default=0)
    field = models.CharField(max_length=200, blank=True)  # the field its citations are normalised in
    topics = models.JSONField(_("OpenAlex topics"), default=list, blank=True)
    codes = models.JSONField(default=list, blank=True)  # CPC groups
    country_codes = models.JSONField(default=list, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    proposal = models.ForeignKey(
        "proposals.Proposal", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    technologies = models.ManyToManyField("programmes.Technology", blank=True, related_name="evidence")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "external_id"]
        verbose_name_plural = _("evidence")
        indexes = [models.Index(fields=["kind", "year"])]

    def __str__(self) -> str:
        return self.title


class EvidenceOrganisation(models.Model):
    """An organisation on an evidence item; ``organisation`` is set when it is in Dure's registry."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="organisations")
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence_links"
    )
    key = models.CharField(max_length=200)  # ROR id, OpenAlex institution id or PatentsView assignee id
    ror_id = models.CharField(max_length=40, blank=True)
    name = models.CharField(max_length=300)
    country_code = models.CharField(max_length=2, blank=True)
    matched_from_text = models.BooleanField(default=False)

    class Meta:
        unique_together = [("evidence", "key")]
        indexes = [models.Index(fields=["ror_id"])]


class CooperationLevel(models.TextChoices):
    NEEDED = "needed", _("International cooperation needed")
    USEFUL = "useful", _("International cooperation useful")
    NOT_NEEDED = "not_needed", _("International cooperation not needed")


class CooperationOverride(models.Model):
    """An expert's or manager's decision that overrules the computed indicator; the latest counts."""

    technology = models.ForeignKey("programmes.Technology", on_delete=models.CASCADE, related_name="cooperation_overrides")
    level = models.CharField(_("decision"), max_length=20, choices=CooperationLevel.choices)
    computed_level = models.CharField(max_length=20, choices=CooperationLevel.choices, blank=True)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
