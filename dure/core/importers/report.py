"""Counting what an import read, kept and rejected, and reading JSON lines safely."""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

MAX_ISSUES_KEPT = 20


class ImportSourceError(ValueError):
    """The file to import cannot be opened or is not in the expected format at all."""


class TruncatedSourceError(ImportSourceError):
    """The compressed file ends early (an interrupted download, usually)."""


@dataclass(frozen=True)
class ImportIssue:
    """One rejected record: where it was and why."""

    line: int
    message: str


@dataclass
class ImportReport:
    """Running totals of one import; pass one in and read it after the iterator ends.

    ``issues`` keeps the first :data:`MAX_ISSUES_KEPT` problems only, so the report stays
    small on a file with millions of bad lines; ``malformed`` counts all of them.
    """

    source: str = ""
    read: int = 0
    imported: int = 0
    malformed: int = 0
    skipped: int = 0
    truncated: bool = False
    issues: list[ImportIssue] = field(default_factory=list)

    def reject(self, line: int, message: str) -> None:
        self.malformed += 1
        if len(self.issues) < MAX_ISSUES_KEPT:
            self.issues.append(ImportIssue(line=line, message=message))

    def summary(self) -> str:
        text = (
            f"{self.source or 'import'}: read {self.read}, imported {self.imported}, "
            f"malformed {self.malformed}, skipped {self.skipped}"
        )
        if self.issues:
            first = self.issues[0]
            text += f" (first problem at line {first.line}: {first.message})"
        return text


class _ProgressReader(io.RawIOBase):
    """Wraps the raw byte stream so a progress bar can follow bytes read from disk."""

    def __init__(self, raw: IO[bytes], bar: Any) -> None:
        super().__init__()
        self._raw = raw
        self._bar = bar

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        self._bar.update(n or 0)
        return n or 0

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_text_lines(path: str | os.PathLike[str], *, progress: bool = False,
                    description: str = "") -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` from a plain or ``.gz`` file, one line at a time.

    Line numbers start at 1. Undecodable bytes are replaced rather than raised, so one
    bad byte costs one record, not the import.
    """
    p = Path(path)
    if not p.is_file():
        raise ImportSourceError(f"{p}: no such file; give the path of the downloaded dump")
    raw: Any = open(p, "rb")  # noqa: SIM115 - closed in finally
    bar = None
    try:
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=p.stat().st_size, unit="B", unit_scale=True,
                       desc=description or p.name, leave=False)
            raw = io.BufferedReader(_ProgressReader(raw, bar))
        with open(p, "rb") as probe:
            is_gzip = probe.read(2) == b"\x1f\x8b"
        stream: Any = gzip.GzipFile(fileobj=raw) if is_gzip else raw
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline=None)
        try:
            yield from enumerate(text, start=1)
        except (OSError, EOFError) as exc:
            raise TruncatedSourceError(f"{p}: the file is truncated or not valid gzip ({exc})") from exc
    finally:
        if bar is not None:
            bar.close()
        raw.close()


def iter_json_objects(path: str | os.PathLike[str], report: ImportReport, *,
                      progress: bool = False) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each JSON object line; count the rest as malformed.

    Blank lines are ignored. A line that is not JSON, or is JSON but not an object, is
    recorded in ``report`` and skipped.
    """
    if not report.source:
        report.source = str(path)
    lines = open_text_lines(path, progress=progress)
    while True:
        try:
            number, line = next(lines)
        except StopIteration:
            return
        except TruncatedSourceError as exc:
            report.truncated = True
            report.reject(report.read + 1, str(exc))
            return
        stripped = line.strip()
        if not stripped:
            continue
        report.read += 1
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError as exc:
            report.reject(number, f"not valid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(obj, dict):
            report.reject(number, f"expected a JSON object, got {type(obj).__name__}")
            continue
        yield number, obj
