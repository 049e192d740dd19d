"""Restore drill: back up, empty the database, restore, and every record and the audit chain match."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import transaction

from dure.accounts.models import User
from dure.audit.actions import record, verify_audit_chain
from dure.audit.models import AuditEvent
from dure.ops.backup import BackupError, make_backup, restore_backup, verify_backup_files
from dure.organisations.models import Organisation
from dure.programmes.models import Call
from dure.testing import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def _some_data():
    manager = f.make_manager()
    f.make_call()
    for i in range(3):
        with transaction.atomic():
            record(manager, "drill.event", None, n=i, note="복원 훈련")


def test_restore_drill_into_an_empty_database(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "proposals").mkdir(parents=True)
    (tmp_path / "media" / "proposals" / "plan.pdf").write_bytes(b"%PDF-1.4 sample")
    _some_data()
    counts = (User.objects.count(), Organisation.objects.count(), Call.objects.count(), AuditEvent.objects.count())
    head = AuditEvent.objects.order_by("-seq").first().hash

    result = make_backup(tmp_path / "backups", mirror=tmp_path / "offsite")
    assert (tmp_path / "offsite" / result.path.name / "manifest.json").is_file()

    call_command("flush", interactive=False, verbosity=0)
    (tmp_path / "media" / "proposals" / "plan.pdf").unlink()
    assert User.objects.count() == 0 and AuditEvent.objects.count() == 0

    manifest = restore_backup(result.path)
    assert (User.objects.count(), Organisation.objects.count(), Call.objects.count(), AuditEvent.objects.count()) == counts
    assert AuditEvent.objects.order_by("-seq").first().hash == head == manifest["audit_head"]
    assert verify_audit_chain().ok
    assert (tmp_path / "media" / "proposals" / "plan.pdf").read_bytes() == b"%PDF-1.4 sample"
    # The restored system keeps working: new events chain onto the restored ones.
    with transaction.atomic():
        record(None, "after.restore", None)
    assert verify_audit_chain().ok


def test_restore_refuses_a_non_empty_database_and_a_damaged_backup(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    _some_data()
    result = make_backup(tmp_path)
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(result.path)
    data = result.path / "data.jsonl.gz"
    data.write_bytes(data.read_bytes()[:-10])
    with pytest.raises(BackupError, match="damaged"):
        verify_backup_files(result.path)
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest["models"]["accounts.user"]["count"] == User.objects.count()
