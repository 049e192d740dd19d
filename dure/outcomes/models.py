"""Yearly outcome reports (성과) of funded projects."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class OutcomeReport(models.Model):
    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="outcomes")
    year = models.PositiveIntegerField()
    papers = models.PositiveIntegerField(default=0)
    patents = models.PositiveIntegerField(default=0)
    licences = models.PositiveIntegerField(default=0)
    transfer_fee_krw = models.BigIntegerField(default=0)
    revenue_krw = models.BigIntegerField(default=0)
    jobs = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True)
    # Plausibility warnings raised when the report was last submitted (checked, not refused).
    plausibility_flags = models.JSONField(default=list, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now=True)
    is_sample = models.BooleanField(default=False)

    class Meta:
        unique_together = [("agreement", "year")]
        ordering = ["agreement", "year"]
