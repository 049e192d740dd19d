"""E-mail leaves through Django's tasks interface.

Actions hand messages to Django's mail API after their transaction commits. The
``TaskEmailBackend`` turns each message into a ``deliver_email`` task; a task worker (in
production ``dure manage db_worker``) delivers it with the real backend named by
``DURE_EMAIL_DELIVERY_BACKEND``. A slow or failing mail server therefore never slows a
request or undoes a saved action, and a failed delivery can be retried from the task table.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django_tasks import task


@task()
def deliver_email(subject: str, body: str, from_email: str, to: list[str], cc: list[str],
                  bcc: list[str], reply_to: list[str]) -> int:
    connection = get_connection(settings.DURE_EMAIL_DELIVERY_BACKEND)
    message = EmailMessage(subject, body, from_email, to, bcc=bcc, cc=cc, reply_to=reply_to, connection=connection)
    return message.send()


class TaskEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        sent = 0
        for m in email_messages:
            if not m.recipients():
                continue
            deliver_email.enqueue(
                subject=str(m.subject), body=str(m.body), from_email=m.from_email or settings.DEFAULT_FROM_EMAIL,
                to=list(m.to), cc=list(m.cc), bcc=list(m.bcc), reply_to=list(m.reply_to),
            )
            sent += 1
        return sent
