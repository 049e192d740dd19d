"""Organisations: GRIs, universities, companies and foreign institutes, keyed by ROR id."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    GRI = "gri", _("Government research institute")
    UNIVERSITY = "university", _("University")
    SME = "sme", _("SME")
    LARGE = "large", _("Large company")
    FOREIGN = "foreign", _("Foreign institute")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    ror_id = models.CharField(_("ROR id"), max_length=40, unique=True, null=True, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300)
    name_ko = models.CharField(_("name (Korean)"), max_length=300, blank=True)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    aliases = models.JSONField(_("other names"), default=list, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    ror_types = models.JSONField(default=list, blank=True)
    country_code = models.CharField(_("country"), max_length=2)
    city = models.CharField(_("city"), max_length=120, blank=True)
    website = models.URLField(_("website"), blank=True)
    established = models.PositiveIntegerField(null=True, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    is_nst_member = models.BooleanField(_("NST member institute"), default=False)
    # Companies in the demo are invented (no company registry ships with Dure).
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(fields=["kind", "country_code"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if get_language() == "ko" and self.name_ko:
            return self.name_ko
        return self.name_en

    @property
    def is_domestic(self) -> bool:
        return self.country_code == "KR"

    @property
    def is_company(self) -> bool:
        return self.kind in (OrgKind.SME, OrgKind.LARGE)

    def family_ids(self) -> set[int]:
        """This organisation, its parent and its children (for the same-organisation rule)."""
        ids = {self.pk}
        if self.parent_id:
            ids.add(self.parent_id)
        ids.update(self.children.values_list("pk", flat=True))
        return ids
