"""Faults of the machine: the database connection dying mid-request, a full disk, a killed worker.

What must hold: nothing acknowledged is lost, nothing is half-written, the user gets a
clear answer (503 with Retry-After, not a bare 500), and a retry succeeds.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from dure.accounts.actions import do_create_api_token
from dure.audit.models import AuditEvent
from dure.proposals import actions as proposal_actions
from dure.proposals.models import (
    Attachment,
    Proposal,
    ProposalBudgetYear,
    ProposalMember,
    Submission,
)
from dure.proposals.receipts import verify_submission
from dure.proposals.tests.helpers import PDF, create, make_world
from tests.robustness.world import needs_postgresql

ROOT = Path(__file__).resolve().parents[2]
FAULT_MIDDLEWARE = "dure.ops.faults.ServiceUnavailableMiddleware"


def _rows():
    return (Proposal.objects.count(), ProposalMember.objects.count(), ProposalBudgetYear.objects.count(),
            Attachment.objects.count(), Submission.objects.count(), AuditEvent.objects.count())


# ---------------------------------------------------------------- (a) database connection dies


@pytest.mark.django_db(transaction=True)
def test_database_connection_killed_inside_a_submission_loses_nothing_and_a_retry_succeeds(client):
    needs_postgresql("pg_terminate_backend ends one server process", race=False)
    world = make_world()
    proposal = create(client, world)
    token = do_create_api_token(world.lead, "fault test")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/proposals/{proposal.pk}/submit?lang=en"

    first = api.post(url, {"abstract": "Version one."}, content_type="application/json",
                     headers={"Idempotency-Key": "version-one"})
    assert first.status_code == 200
    acknowledged = first.json()

    inside, release = threading.Event(), threading.Event()
    backend: dict = {}
    real_record = proposal_actions.record

    def record_then_wait(*args, **kwargs):
        result = real_record(*args, **kwargs)
        if args[1] == "proposal.submitted" and not backend:
            backend["pid"] = connection.connection.info.backend_pid
            inside.set()
            release.wait(timeout=30)
        return result

    answer: dict = {}

    def submit_in_a_request():
        try:
            answer["response"] = api.post(url, {"abstract": "Version two."}, content_type="application/json",
                                          headers={"Idempotency-Key": "version-two"})
        finally:
            connection.close()

    with mock.patch.object(proposal_actions, "record", record_then_wait):
        worker = threading.Thread(target=submit_in_a_request)
        worker.start()
        assert inside.wait(timeout=30), "the submission never reached its audit record"
        with connection.cursor() as cur:  # a second connection ends the first one's server process
            cur.execute("SELECT pg_terminate_backend(%s)", [backend["pid"]])
        release.set()
        worker.join(timeout=30)

    died = answer["response"]
    assert died.status_code == 503 and died["Retry-After"], died.content
    assert "database" in died.json()["detail"]
    # Nothing of the dying transaction was committed; the acknowledged version is intact.
    assert list(Submission.objects.filter(proposal=proposal).values_list("version", flat=True)) == [1]
    stored = Submission.objects.get(proposal=proposal, version=1)
    assert stored.receipt_code == acknowledged["receipt_code"] and verify_submission(stored)

    retry = api.post(url, {"abstract": "Version two."}, content_type="application/json",
                     headers={"Idempotency-Key": "version-two"})
    assert retry.status_code == 200 and retry.json()["version"] == 2
    again = api.post(url, {"abstract": "Version two."}, content_type="application/json",
                     headers={"Idempotency-Key": "version-two"})
    assert again.json()["receipt_code"] == retry.json()["receipt_code"]
    assert Submission.objects.filter(proposal=proposal).count() == 2
    assert Submission.objects.get(proposal=proposal, version=2).snapshot["abstract"] == "Version two."


# ---------------------------------------------------------------- (b) full disk during an upload


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["create", "edit"])
def test_a_full_disk_during_an_upload_writes_nothing_and_says_so(client, settings, page):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, FAULT_MIDDLEWARE] if FAULT_MIDDLEWARE not in settings.MIDDLEWARE \
        else settings.MIDDLEWARE
    world = make_world()
    client.force_login(world.lead)
    if page == "create":
        url = reverse("proposal-create", args=[world.call.pk]) + "?lang=en"
    else:
        url = reverse("proposal-edit", args=[create(client, world).pk]) + "?lang=en"
    before = _rows()
    stored_before = Proposal.objects.values_list("title", "version").first()
    storage = storages["default"]  # what the attachment's FileField writes through
    with mock.patch.object(type(storage), "_save", _disk_full):
        response = client.post(url, {**world.form(title="Uploaded while the disk is full"),
                                     "attachment": SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")})
    assert response.status_code == 503, response.status_code
    assert "storage is full" in response.content.decode() and response["Retry-After"]
    assert _rows() == before
    assert Proposal.objects.values_list("title", "version").first() == stored_before

    # With space again, the same post goes through with its file.
    response = client.post(url, {**world.form(title="Uploaded once there is space"),
                                 "attachment": SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")})
    assert response.status_code == 302
    assert Attachment.objects.filter(proposal__title="Uploaded once there is space").count() == 1


def test_the_fault_middleware_is_installed():
    from django.conf import settings

    assert FAULT_MIDDLEWARE in settings.MIDDLEWARE


# ---------------------------------------------------------------- (c) a killed worker


def _surge_available() -> str | None:
    if not (Path(sys.executable).parent / "gunicorn").exists():
        return "gunicorn is not installed in the virtualenv"
    try:
        import psycopg

        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
    except Exception as exc:  # no server, no permission: the surge cannot run here
        return f"PostgreSQL at 127.0.0.1:5432 is not reachable ({exc.__class__.__name__})"
    return None


@pytest.mark.slow
def test_killing_a_worker_mid_surge_loses_and_duplicates_nothing():
    why = _surge_available()
    if why:
        pytest.skip(f"needs gunicorn and PostgreSQL: {why}")
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    # Its own process group, so that gunicorn goes too if the run has to be stopped.
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.surge", "--quick", "--fault", "kill-worker", "--database", "dure_surge_test"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        pytest.fail("the quick surge took over 4 minutes:\n" + stdout + stderr[-3000:])
    out = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    figures = dict(part.split("=", 1) for line in out.stdout.splitlines() for part in line.split() if "=" in part)
    assert "fault: killed gunicorn worker" in out.stdout, out.stdout + out.stderr[-3000:]
    assert figures.get("lost") == "0" and figures.get("duplicated") == "0" and figures.get("mixed") == "0", out.stdout
    assert figures.get("bad_signatures") == "0" and figures.get("acknowledged") == figures.get("intended"), out.stdout
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
