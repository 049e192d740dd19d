"""Every write to the public portal's comments: citizens comment, managers answer and moderate."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dure.accounts.errors import ActionError
from dure.accounts.models import Role
from dure.audit.actions import record
from dure.portal.models import Comment, CommentStatus
from dure.portal.moderation import abusive_words

MAX_COMMENT = 2000


def check_post_comment(citizen, body: str, *, is_sample: bool = False) -> Comment:
    """Post a citizen's comment; one with listed abusive words is held for a moderator."""
    if not citizen.has_role(Role.PUBLIC):
        raise ActionError(_("Only citizens' accounts can comment on the public portal."))
    body = body.strip()
    if not body:
        raise ActionError({"body": [_("Write your comment first.")]})
    if len(body) > MAX_COMMENT:
        raise ActionError({"body": [_("Keep the comment under %(n)s characters.") % {"n": MAX_COMMENT}]})
    flagged = abusive_words(body)
    with transaction.atomic():
        comment = Comment.objects.create(
            author=citizen, body=body, flagged_words=flagged, is_sample=is_sample,
            status=CommentStatus.HELD if flagged else CommentStatus.VISIBLE,
        )
        record(citizen, "comment.posted", comment, held=bool(flagged))
    return comment


def check_answer_comment(manager, comment: Comment, answer: str) -> Comment:
    answer = answer.strip()
    if not answer:
        raise ActionError({"answer": [_("Write the answer first.")]})
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        comment.answer = answer
        comment.answered_by = manager
        comment.answered_at = timezone.now()
        comment.save(update_fields=["answer", "answered_by", "answered_at"])
        record(manager, "comment.answered", comment)
    return comment


def check_hide_comment(manager, comment: Comment, reason: str) -> Comment:
    reason = reason.strip()
    if not reason:
        raise ActionError({"reason": [_("Say why the comment is hidden (for example: insults another person).")]})
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        comment.status = CommentStatus.HIDDEN
        comment.moderation_reason = reason[:300]
        comment.moderated_by = manager
        comment.moderated_at = timezone.now()
        comment.save(update_fields=["status", "moderation_reason", "moderated_by", "moderated_at"])
        record(manager, "comment.hidden", comment, reason=comment.moderation_reason)
    return comment


def check_publish_comment(manager, comment: Comment) -> Comment:
    """A held (or hidden) comment a moderator finds acceptable becomes visible."""
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.status == CommentStatus.VISIBLE:
            raise ActionError(_("This comment is already visible."))
        previous = comment.status
        comment.status = CommentStatus.VISIBLE
        comment.moderation_reason = ""
        comment.moderated_by = manager
        comment.moderated_at = timezone.now()
        comment.save(update_fields=["status", "moderation_reason", "moderated_by", "moderated_at"])
        record(manager, "comment.published", comment, previous=previous)
    return comment
