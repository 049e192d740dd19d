"""Backups that can be restored into an empty database, and checked.

A backup is a folder: ``data.jsonl.gz`` (every row, Django's portable serialisation, so a
SQLite backup restores into PostgreSQL and back), ``files.tar.gz`` (uploaded files) and
``manifest.json`` (row counts and a digest per model, the audit log's head hash, and the
SHA-256 of both files). ``restore`` refuses a damaged backup and a non-empty database,
then verifies every model's rows against the manifest and re-checks the audit chain.
Copy backups off-site (``--mirror`` writes and verifies a second copy in one go).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.db import connection, transaction

FORMAT_VERSION = 1
SKIP_MODELS = {"contenttypes.contenttype", "auth.permission", "sessions.session", "admin.logentry"}


class BackupError(Exception):
    """The backup cannot be made or restored; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    rows: int
    files: int


def _models():
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in SKIP_MODELS or not model._meta.managed or model._meta.proxy:
            continue
        yield label, model


def _row_digest(objects) -> str:
    h = hashlib.sha256()
    for line in sorted(json.dumps(o, sort_keys=True, ensure_ascii=False) for o in objects):
        h.update(line.encode())
    return h.hexdigest()


def _snapshot() -> tuple[list[dict], dict[str, dict]]:
    rows: list[dict] = []
    per_model: dict[str, dict] = {}
    for label, model in _models():
        data = json.loads(serializers.serialize("json", model._base_manager.order_by("pk")))
        rows.extend(data)
        per_model[label] = {"count": len(data), "digest": _row_digest(data)}
    return rows, per_model


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def make_backup(target_dir: Path, *, mirror: Path | None = None) -> BackupResult:
    from dure.audit.actions import verify_audit_chain
    from dure.audit.models import AuditEvent

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(target_dir) / f"dure-backup-{stamp}"
    out.mkdir(parents=True, exist_ok=False)
    with transaction.atomic():  # one consistent view of the data
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        rows, per_model = _snapshot()
        head = AuditEvent.objects.order_by("-seq").values_list("hash", flat=True).first() or ""
        chain = verify_audit_chain()
    if not chain.ok:
        raise BackupError(f"The audit log is damaged ({chain.message}); investigate before backing up.")
    with gzip.open(out / "data.jsonl.gz", "wt", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    media = Path(settings.MEDIA_ROOT)
    n_files = 0
    with tarfile.open(out / "files.tar.gz", "w:gz") as tar:
        if media.is_dir():
            for p in sorted(media.rglob("*")):
                if p.is_file():
                    tar.add(p, arcname=str(p.relative_to(media)))
                    n_files += 1
    manifest = {
        "format": FORMAT_VERSION,
        "created": stamp,
        "database_vendor": connection.vendor,
        "models": per_model,
        "audit_head": head,
        "audit_events": chain.events,
        "files": n_files,
        "sha256": {"data.jsonl.gz": _sha256(out / "data.jsonl.gz"), "files.tar.gz": _sha256(out / "files.tar.gz")},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    if mirror is not None:
        copy = Path(mirror) / out.name
        shutil.copytree(out, copy)
        verify_backup_files(copy)
    return BackupResult(out, len(rows), n_files)


def verify_backup_files(path: Path) -> dict:
    path = Path(path)
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        raise BackupError(f"{path} has no manifest.json: is this a Dure backup folder?")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{path}: backup format {manifest.get('format')} is not the supported {FORMAT_VERSION}.")
    for name, digest in manifest["sha256"].items():
        if not (path / name).is_file() or _sha256(path / name) != digest:
            raise BackupError(f"{path / name} is missing or damaged (checksum differs); use another copy.")
    return manifest


def restore_backup(path: Path) -> dict:
    """Restore into an empty, migrated database; verify rows, files and the audit chain."""
    from dure.audit.actions import verify_audit_chain
    from dure.audit.models import AuditEvent

    manifest = verify_backup_files(path)
    non_empty = [label for label, model in _models() if model._base_manager.exists()]
    if non_empty:
        raise BackupError(
            "The database is not empty (" + ", ".join(non_empty[:5]) + "…). Restore into a new, "
            "migrated database: create it, run `dure manage migrate`, then restore."
        )
    with gzip.open(Path(path) / "data.jsonl.gz", "rt", encoding="utf-8") as fh:
        payload = fh.read()
    with transaction.atomic():
        for obj in serializers.deserialize("jsonl", io.StringIO(payload), handle_forward_references=True):
            obj.save()
        _reset_sequences()
        _, per_model = _snapshot()
        for label, expected in manifest["models"].items():
            got = per_model.get(label, {"count": 0, "digest": _row_digest([])})
            if got != expected:
                raise BackupError(f"{label}: restored rows differ from the backup ({got['count']} vs {expected['count']}).")
        head = AuditEvent.objects.order_by("-seq").values_list("hash", flat=True).first() or ""
        chain = verify_audit_chain()
        if not chain.ok or head != manifest["audit_head"]:
            raise BackupError(f"The restored audit log does not verify: {chain.message}")
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(Path(path) / "files.tar.gz", "r:gz") as tar:
        tar.extractall(media, filter="data")
    return manifest


def _reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    models = [m for _l, m in _models()]
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cur.execute(sql)


__all__ = ["BackupError", "make_backup", "restore_backup", "verify_backup_files"]
