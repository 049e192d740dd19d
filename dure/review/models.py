"""Conflicts of interest, reviewer assignments and anonymous reviews.

Anonymity by construction: a ``Review`` carries the reviewer's per-stage pseudonym, never
the person. The one table that links pseudonyms to people (``ReviewerPseudonym``) is read
by the reviewer for their own row, and by an auditor only through an ``UnsealRequest``
with a recorded reason that a second person has witnessed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ConflictKind(models.TextChoices):
    SAME_ORGANISATION = "same_organisation", _("Same organisation")
    CONSORTIUM_MEMBER = "consortium_member", _("Member of the consortium")
    COAUTHORSHIP = "coauthorship", _("Recent co-authorship")
    JOINT_PROJECT = "joint_project", _("Recent joint project")
    JOINT_PATENT = "joint_patent", _("Joint patent")
    DECLARED_TIE = "declared_tie", _("Declared personal tie")
    RECIPROCAL = "reciprocal_review", _("Reciprocal review")


class ConflictSource(models.TextChoices):
    DETECTED = "detected", _("Detected automatically")
    DECLARED = "declared", _("Declared by the reviewer")
    MANAGER = "manager", _("Recorded by a manager")


class ConflictStatus(models.TextChoices):
    ACTIVE = "active", _("In force")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class Conflict(models.Model):
    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="conflicts")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts")
    kind = models.CharField(max_length=30, choices=ConflictKind.choices)
    source = models.CharField(max_length=20, choices=ConflictSource.choices)
    evidence = models.TextField()
    status = models.CharField(max_length=20, choices=ConflictStatus.choices, default=ConflictStatus.ACTIVE)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        unique_together = [("proposal", "person", "kind")]
        ordering = ["proposal", "person", "kind"]

    @property
    def excludes(self) -> bool:
        return self.status != ConflictStatus.DISMISSED


class ReviewerPseudonym(models.Model):
    """The sealed link between a person and their pseudonym in one stage."""

    stage = models.ForeignKey("programmes.Stage", on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=16)

    class Meta:
        unique_together = [("stage", "reviewer"), ("stage", "code")]


class Assignment(models.Model):
    stage = models.ForeignKey("programmes.Stage", on_delete=models.CASCADE, related_name="assignments")
    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    affinity = models.FloatField(null=True, blank=True)
    # At a panel stage, the member who records the consensus (a manager may always do so).
    is_chair = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        unique_together = [("stage", "proposal", "reviewer")]
        ordering = ["stage", "proposal", "id"]


class Review(models.Model):
    stage = models.ForeignKey("programmes.Stage", on_delete=models.CASCADE, related_name="reviews")
    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="reviews")
    pseudonym = models.CharField(max_length=16)
    overall = models.FloatField(null=True, blank=True)
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    comment_to_applicant = models.TextField(blank=True)
    question_to_applicant = models.TextField(blank=True)
    is_submitted = models.BooleanField(default=False)
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        unique_together = [("stage", "proposal", "pseudonym")]
        # Ordered by pseudonym (random), never by time or by who.
        ordering = ["stage", "proposal", "pseudonym"]


class CriterionScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey("programmes.Criterion", on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(max_digits=4, decimal_places=1)

    class Meta:
        unique_together = [("review", "criterion")]
        ordering = ["criterion__order"]


class PanelSummary(models.Model):
    stage = models.ForeignKey("programmes.Stage", on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="panel_summaries")
    consensus_score = models.FloatField()
    summary_for_applicant = models.TextField()

    class Meta:
        unique_together = [("stage", "proposal")]


class UnsealStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a second person")
    WITNESSED = "witnessed", _("Witnessed; unsealed")
    REFUSED = "refused", _("Refused")


class UnsealRequest(models.Model):
    """An auditor's request to see who reviewed a proposal, witnessed by a second person."""

    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=UnsealStatus.choices, default=UnsealStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)


class PanelComment(models.Model):
    """One message in a panel's discussion of a proposal, under the writer's stage pseudonym."""

    stage = models.ForeignKey("programmes.Stage", on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="panel_comments")
    pseudonym = models.CharField(max_length=16)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stage", "proposal", "id"]


class Rebuttal(models.Model):
    """The applicant's one answer to the written-stage reviewers' questions."""

    proposal = models.OneToOneField("proposals.Proposal", on_delete=models.CASCADE, related_name="rebuttal")
    stage = models.ForeignKey("programmes.Stage", on_delete=models.PROTECT, related_name="+")
    answer = models.TextField()
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class FeedbackRelease(models.Model):
    """The manager's release of a call's feedback to its applicants (all at once, after decisions)."""

    call = models.OneToOneField("programmes.Call", on_delete=models.CASCADE, related_name="feedback_release")
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField(auto_now_add=True)
