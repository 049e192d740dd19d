"""Importers for the real-world evidence formats the technology map is built on.

Each importer streams its file (plain or gzip-compressed) record by record, so memory
stays bounded however large the file is, and fills an :class:`ImportReport` with the
number of records read, imported and rejected, and the first few problems with their
line numbers. A malformed record is counted and skipped; it never stops an import.
"""

from dure.core.importers.report import ImportIssue, ImportReport, ImportSourceError

__all__ = ["ImportIssue", "ImportReport", "ImportSourceError"]
