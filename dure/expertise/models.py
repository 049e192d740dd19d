"""Expertise records of people, and the assignment pipeline's saved inputs and runs.

- ``ExpertWork``: a publication, patent or past project of a person, with its co-authors
  as they were written in the source (names, e-mails, ORCIDs, organisations).
- ``PersonAlias``: another way the same person appears (e-mail, name spelling, ORCID,
  former organisation); identity linking reads these.
- ``DeclaredTie``: a personal tie a person declared (with another person or a proposal).
- ``AffinityMatrix``: the stage's reviewer x proposal affinities with their explanations,
  cached under a digest of the texts they were computed from.
- ``AssignmentRun``: one run of the solver for a stage (inputs digest, mode, seed, pins,
  forbids, result or diagnosis) so a manager can review and reproduce it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkKind(models.TextChoices):
    PUBLICATION = "publication", _("Publication")
    PATENT = "patent", _("Patent")
    PROJECT = "project", _("Past project")


class ExpertWork(models.Model):
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_works")
    kind = models.CharField(_("kind"), max_length=20, choices=WorkKind.choices, default=WorkKind.PUBLICATION)
    title = models.CharField(_("title"), max_length=500)
    abstract = models.TextField(_("abstract"), blank=True)
    year = models.PositiveIntegerField(_("year"), null=True, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True,
                                   help_text=_("For example an OpenAlex work id (W...) or a patent number."))
    # [{"name": ..., "email": ..., "orcid": ..., "organisation_id": <Dure id>, "ror_id": ...}, ...]
    coauthors = models.JSONField(_("co-authors"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=40, blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", "-year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "external_id"], condition=~models.Q(external_id=""),
                                    name="expertise_work_once_per_person"),
        ]

    def __str__(self) -> str:
        return self.title


class PersonAlias(models.Model):
    """One other record of a person: fill in what this record says (any of the fields)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("name as written"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    orcid = models.CharField(_("ORCID"), max_length=40, blank=True)
    organisation = models.ForeignKey("organisations.Organisation", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ["person", "pk"]

    def __str__(self) -> str:
        return self.name or self.email or self.orcid or str(self.organisation or "")


class DeclaredTie(models.Model):
    """A personal tie declared by ``person``: with another person, or with a named person in free text."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="declared_ties")
    other_person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+")
    proposal = models.ForeignKey("proposals.Proposal", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)


class AffinityMatrix(models.Model):
    """Cached affinities of a stage: ``scores`` maps "proposal:reviewer" to a score."""

    stage = models.ForeignKey("programmes.Stage", on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)
    engine = models.CharField(max_length=40)
    engine_note = models.TextField(blank=True)
    scores = models.JSONField(default=dict)
    # "proposal:reviewer" -> {"works": [[work id, title, year, similarity], ...], "terms": [...]}
    explanations = models.JSONField(default=dict)
    seconds = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        unique_together = [("stage", "digest")]
        ordering = ["-created_at"]


class RunStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed (preview)")
    INFEASIBLE = "infeasible", _("No assignment exists")
    APPLIED = "applied", _("Applied")


class AssignmentRun(models.Model):
    stage = models.ForeignKey("programmes.Stage", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    mode = models.CharField(max_length=20)
    seed = models.BigIntegerField(null=True, blank=True)
    max_probability = models.FloatField(null=True, blank=True)
    balance = models.BooleanField(default=True)
    pinned = models.JSONField(default=list, blank=True)     # [[proposal id, reviewer id], ...]
    forbidden = models.JSONField(default=list, blank=True)  # [[proposal id, reviewer id], ...]
    inputs_digest = models.CharField(max_length=64)
    inputs = models.JSONField(default=dict)                 # what the solver saw, for reproduction
    engine = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=20, choices=RunStatus.choices)
    pairs = models.JSONField(default=list, blank=True)      # [[proposal id, reviewer id, affinity], ...]
    total_affinity = models.FloatField(null=True, blank=True)
    diagnosis = models.TextField(blank=True)
    diagnosis_data = models.JSONField(default=dict, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
