"""Programmes, tracks, technologies, yearly budgets, calls and their evaluation stages."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dure.programmes.workflow import CallStatus, StageKind


class Bilingual(models.Model):
    name_en = models.CharField(_("name (English)"), max_length=300)
    name_ko = models.CharField(_("name (Korean)"), max_length=300)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return self.name_ko if get_language() == "ko" and self.name_ko else self.name_en

    def __str__(self) -> str:
        return self.name


class Programme(Bilingual):
    code = models.SlugField(unique=True)
    annual_budget_krw = models.BigIntegerField(_("annual programme budget (KRW)"))
    international_share_now = models.FloatField(_("international share today"))
    international_share_target = models.FloatField(_("international share target"))
    source_note = models.TextField(_("source of the figures"), blank=True)


class Track(Bilingual):
    class Code(models.TextChoices):
        CHOKEPOINT = "chokepoint", _("Choke-point technologies")
        ORIGINAL = "original", _("Industrial original technologies")
        GAMECHANGER = "gamechanger", _("Game-changer technologies")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="tracks")
    code = models.CharField(max_length=20, choices=Code.choices)
    technologies_planned = models.PositiveIntegerField(_("technologies planned"))
    horizon = models.CharField(_("horizon"), max_length=200)
    horizon_ko = models.CharField(max_length=200, blank=True)
    first_year_budget_krw = models.BigIntegerField(_("first-year money (KRW)"), null=True, blank=True)
    first_year_scope = models.CharField(max_length=200, blank=True)
    first_year_scope_ko = models.CharField(max_length=200, blank=True)
    total_budget_krw = models.BigIntegerField(_("total money (KRW)"), null=True, blank=True)
    total_until_year = models.PositiveIntegerField(null=True, blank=True)
    total_is_planned = models.BooleanField(default=False)
    requires_foreign_partner = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["programme", "order"]
        unique_together = [("programme", "code")]

    @property
    def horizon_text(self) -> str:
        return self.horizon_ko if get_language() == "ko" and self.horizon_ko else self.horizon


class TrackBudget(models.Model):
    """Money available to a track in one year. Committed money never exceeds it."""

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="budgets")
    year = models.PositiveIntegerField()
    amount_krw = models.BigIntegerField()
    committed_krw = models.BigIntegerField(default=0)
    is_estimate = models.BooleanField(
        default=False, help_text="Derived from a multi-year total rather than announced per year."
    )

    class Meta:
        ordering = ["track", "year"]
        unique_together = [("track", "year")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(committed_krw__lte=models.F("amount_krw")),
                name="budget_never_overcommitted",
            )
        ]

    @property
    def remaining_krw(self) -> int:
        return self.amount_krw - self.committed_krw


class Sector(Bilingual):
    code = models.SlugField(unique=True)


class Technology(Bilingual):
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="technologies")
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="technologies")
    code = models.CharField(_("programme code"), max_length=30, unique=True)
    description = models.TextField(blank=True)
    description_ko = models.TextField(blank=True)
    openalex_topics = models.JSONField(_("OpenAlex topics"), default=list, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    budget_note = models.CharField(max_length=200, blank=True)
    partner_countries = models.JSONField(default=list, blank=True)
    # True for the technologies named in the programme announcements.
    is_named_in_announcement = models.BooleanField(default=False)

    class Meta:
        ordering = ["track", "code"]
        verbose_name_plural = _("technologies")


class Call(Bilingual):
    """A call for proposals with its eligibility rules and evaluation stages."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="calls")
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="calls")
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=CallStatus.choices, default=CallStatus.DRAFT)
    opens_at = models.DateTimeField()
    deadline = models.DateTimeField()
    grace_seconds = models.PositiveIntegerField(
        _("grace period after the deadline (seconds)"), default=0
    )
    first_year = models.PositiveIntegerField()
    duration_years = models.PositiveSmallIntegerField(default=3)
    max_budget_per_year_krw = models.BigIntegerField(_("budget cap per project and year (KRW)"))
    min_members = models.PositiveSmallIntegerField(default=2)
    max_members = models.PositiveSmallIntegerField(default=8)
    requires_foreign_partner = models.BooleanField(default=False)
    requires_company = models.BooleanField(default=True)
    requires_sme = models.BooleanField(default=False)
    requires_ip_plan = models.BooleanField(default=True)
    requires_industry_reviewer = models.BooleanField(default=True)
    reviewers_per_proposal = models.PositiveSmallIntegerField(default=3)
    allows_rebuttal = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at"]

    def accepts_submissions_at(self, when=None) -> bool:
        when = when or timezone.now()
        return (
            self.status == CallStatus.OPEN
            and self.opens_at <= when <= self.deadline + timezone.timedelta(seconds=self.grace_seconds)
        )

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.first_year + self.duration_years))


class Stage(models.Model):
    """One layer of the multi-layer evaluation of a call, declared as data."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="stages")
    kind = models.CharField(max_length=30, choices=StageKind.choices)
    order = models.PositiveSmallIntegerField()
    is_blind = models.BooleanField(default=True)
    is_open = models.BooleanField(default=False)
    is_closed = models.BooleanField(default=False)

    class Meta:
        ordering = ["call", "order"]
        unique_together = [("call", "kind"), ("call", "order")]

    def __str__(self) -> str:
        return str(StageKind(self.kind).label)


class Criterion(Bilingual):
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="criteria")
    weight = models.FloatField(default=1.0)
    max_score = models.PositiveSmallIntegerField(default=10)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["stage", "order"]
