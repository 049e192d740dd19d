"""People who use Dure and the role each one plays."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MANAGER = "manager", _("Programme manager")
    COMPANY = "company", _("Company")
    RESEARCH = "research", _("Research organisation")
    REVIEWER = "reviewer", _("Expert evaluator")
    AUDITOR = "auditor", _("Auditor")
    PUBLIC = "public", _("Citizen")


class ExpertKind(models.TextChoices):
    ACADEMIC = "academic", _("Academia")
    INSTITUTE = "institute", _("Research institute")
    INDUSTRY = "industry", _("Industry")


class User(AbstractUser):
    """A person. Company and research users act for their organisation."""

    display_name = models.CharField(_("name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PUBLIC)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    expert_kind = models.CharField(
        _("expert background"), max_length=20, choices=ExpertKind.choices, blank=True
    )
    expertise = models.TextField(_("expertise keywords"), blank=True)
    max_reviews = models.PositiveIntegerField(_("maximum reviews per call"), default=6)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def has_role(self, *roles: str) -> bool:
        return self.is_authenticated and self.is_active and self.role in roles


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked = models.BooleanField(default=False)
