"""Ranking runs (with their lottery records) and recorded decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    PASS = "pass", _("Moves on")
    FAIL = "fail", _("Stops here")
    FUNDED = "funded", _("Funded")
    NOT_FUNDED = "not_funded", _("Not funded")


class Decision(models.Model):
    """A recorded decision on a proposal at one stage, with its reason."""

    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="decisions")
    stage = models.ForeignKey("programmes.Stage", on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        unique_together = [("proposal", "stage")]
        ordering = ["stage__order", "decided_at"]


class RankingRun(models.Model):
    call = models.ForeignKey("programmes.Call", on_delete=models.CASCADE, related_name="ranking_runs")
    method = models.CharField(max_length=40)
    fundable = models.PositiveIntegerField(null=True, blank=True)
    seed = models.CharField(max_length=200, blank=True)
    results = models.JSONField(default=list)
    lottery_record = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class PublishedSeed(models.Model):
    """A lottery seed announced before the draw; a ranking run uses the latest unused one."""

    call = models.ForeignKey("programmes.Call", on_delete=models.CASCADE, related_name="published_seeds")
    value = models.CharField(max_length=200)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)
    used_by = models.OneToOneField(RankingRun, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="published_seed")

    class Meta:
        ordering = ["-published_at", "-pk"]
