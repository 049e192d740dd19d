"""Files applicants upload: accepted by content (magic bytes), never by name or declared type."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    size: int
    sha256: str
    content_type: str = "application/pdf"


def check_pdf_upload(uploaded) -> CheckedUpload | str:
    """The checked file's facts, or a message saying what to fix."""
    limit = int(settings.DURE_UPLOAD_MAX_BYTES)
    size = uploaded.size or 0
    if size == 0:
        return _("The file is empty; attach the proposal as a PDF.")
    if size > limit:
        return _("The file is %(size).1f MB; the limit is %(limit).1f MB. Attach a smaller PDF.") % {
            "size": size / 1e6, "limit": limit / 1e6}
    uploaded.seek(0)
    head = uploaded.read(len(PDF_MAGIC))
    if head != PDF_MAGIC:
        return _("This file is not a PDF (its content does not start like a PDF). Only PDF attachments are accepted.")
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    stem = os.path.splitext(os.path.basename(uploaded.name or "proposal"))[0]
    try:
        stem = get_valid_filename(stem)
    except SuspiciousFileOperation:
        stem = "proposal"
    name = stem[:200] + ".pdf"
    return CheckedUpload(name=name, size=size, sha256=digest.hexdigest())
