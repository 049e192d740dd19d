"""Notifications leave through the tasks interface and arrive once, after the action commits."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from dure.proposals.tests.helpers import make_world

pytestmark = pytest.mark.django_db


@override_settings(EMAIL_BACKEND="dure.ops.mail.TaskEmailBackend")
def test_a_submission_receipt_is_delivered_by_a_task(client, django_capture_on_commit_callbacks):
    world = make_world()
    client.force_login(world.lead)
    response = client.post(reverse("proposal-create", args=[world.call.pk]) + f"?consortium={world.consortium.pk}", world.form())
    assert response.status_code == 302
    proposal = world.consortium.proposals.get()
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("proposal-submit", args=[proposal.pk]), {"idempotency_key": "mail-task-key-1"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.lead.email]
    assert "DURE-" in message.body  # the receipt code


def test_the_task_backend_refuses_nothing_silently():
    from dure.ops.mail import TaskEmailBackend

    with override_settings(DURE_EMAIL_DELIVERY_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        sent = TaskEmailBackend().send_messages([mail.EmailMessage("s", "b", "a@example.org", ["x@example.org"]),
                                                 mail.EmailMessage("s", "b", "a@example.org", [])])
    assert sent == 1 and len(mail.outbox) == 1
