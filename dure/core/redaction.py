"""Redact identifying text from proposals shown to reviewers at blind stages.

A :class:`Redactor` knows the consortium's names and aliases from the records
(organisations, people, acronyms) and replaces them, plus e-mail addresses, URLs, phone
numbers, ORCID iDs and ROR ids, with ``[redacted]``.

Names match case-insensitively and as whole words; any run of spaces in a name matches
any run of whitespace in the text. Names written in Hangul also match with or without
spaces between their syllables ("한국기계연구원" = "한국 기계 연구원"), and may carry a
Korean particle ("한국기계연구원은", "홍길동에게"): the name is redacted and the particle
kept, so the sentence still reads. A name inside a longer word ("KIMMCO",
"한국기계연구원장") is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["PLACEHOLDER", "RedactedText", "Redactor", "RedactionInputError"]

PLACEHOLDER = "[redacted]"

_HANGUL = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f"
_HANGUL_RE = re.compile(f"[{_HANGUL}]")

# Particles (조사) and common particle stacks that may follow a name.
_PARTICLES = (
    "이라는", "라는", "이라고", "라고", "에서는", "에서도", "에서의", "에서", "에게는",
    "에게서", "에게", "으로서", "으로써", "으로는", "으로", "로서", "로써", "로는", "로",
    "께서는", "께서", "한테", "까지", "부터", "보다", "처럼", "와의", "과의", "와는",
    "과는", "와", "과", "하고", "이나", "나", "이며", "며", "이고", "고", "이다", "입니다",
    "의", "에는", "에도", "에", "도", "만", "은", "는", "이", "가", "을", "를", "랑", "이랑",
)
_PARTICLE_ALT = "|".join(sorted(_PARTICLES, key=len, reverse=True))

_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"
_URL = (
    r"(?:https?://|ftp://|www\.|\b(?:ror|orcid|doi)\.org/)"
    r"(?:[^\s<>\"'()\[\]{}]*[^\s<>\"'()\[\]{}.,;:!?])?"
)
_ORCID = r"\b\d{4}-\d{4}-\d{4}-\d{3}[\dXx]\b"
# ROR id: "0", six characters of Crockford base32 (no i, l, o, u), two checksum digits;
# at least one letter, so a plain nine-digit number is not mistaken for one.
_ROR = r"\b0(?=[a-hj-km-np-tv-z0-9]{6}\d{2}\b)(?=[0-9]*[a-hj-km-np-tv-z])[a-hj-km-np-tv-z0-9]{6}\d{2}\b"
# Phone numbers: dashes or dots between groups; spaces only after a "+" country code or
# in a local number starting with 0, so runs of years or amounts are left alone.
_PHONE = (
    r"(?<![\w+])(?:\(\d{1,4}\)\s?|\d{2,4}[.\-])\d{3,4}[.\-]\d{4}(?!\w)"
    r"|(?<![\w+])\+\d{1,3}[\s.\-]?(?:\(\d{1,4}\)|\d{1,4})[\s.\-]?\d{3,4}[\s.\-]?\d{4}(?!\w)"
    r"|(?<![\w+])0\d{1,2}\s\d{3,4}\s\d{4}(?!\w)"
    r"|(?<!\w)01[016789]\d{7,8}(?!\w)"
)
_PATTERNS = (_EMAIL, _URL, _ORCID, _ROR, _PHONE)


class RedactionInputError(ValueError):
    """A name given to the redactor cannot be used; the message says why."""


@dataclass(frozen=True)
class RedactedText:
    text: str
    count: int


def _name_pattern(name: str) -> str:
    tokens = name.split()
    parts = []
    for token in tokens:
        if _HANGUL_RE.search(token):
            # Hangul: optional whitespace between syllables.
            parts.append(r"\s*".join(re.escape(ch) for ch in token))
        else:
            parts.append(re.escape(token))
    joined = ""
    for prev, token_re, token in zip([None, *tokens], parts, tokens, strict=False):
        if prev is None:
            joined = token_re
        elif _HANGUL_RE.search(prev[-1]) and _HANGUL_RE.search(token[0]):
            joined += r"\s*" + token_re
        else:
            joined += r"\s+" + token_re
    start = r"(?<!\w)" if re.match(r"\w", name) else ""
    if _HANGUL_RE.search(name[-1]):
        end = rf"(?=(?:{_PARTICLE_ALT})?(?!\w))"
    elif re.search(r"\w$", name):
        end = r"(?!\w)"
    else:
        end = ""
    return start + joined + end


class Redactor:
    """Replace known names, aliases and contact patterns with ``[redacted]``.

    ``names`` and ``aliases`` are treated alike (aliases are acronyms, former names,
    translations). Each must have at least two characters once stripped; shorter ones
    would blank ordinary words and are refused.
    """

    def __init__(self, names: Iterable[str] = (), aliases: Iterable[str] = (), *, placeholder: str = PLACEHOLDER) -> None:
        cleaned: list[str] = []
        for kind, values in (("name", names), ("alias", aliases)):
            if isinstance(values, str):
                raise RedactionInputError(f"{kind}s must be a list of strings, not one string")
            for value in values:
                if not isinstance(value, str):
                    raise RedactionInputError(f"{kind} {value!r} is not a string")
                value = " ".join(value.split())
                if not value:
                    continue
                if len(value.replace(" ", "")) < 2:
                    raise RedactionInputError(
                        f"{kind} {value!r} is too short to redact without blanking ordinary words; "
                        "give at least two characters"
                    )
                cleaned.append(value)
        self.names = tuple(dict.fromkeys(cleaned))
        self.placeholder = placeholder
        alternatives = list(_PATTERNS)
        for name in sorted(self.names, key=lambda s: len(s.replace(" ", "")), reverse=True):
            alternatives.append(_name_pattern(name))
        self._regex = re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)

    def redact(self, text: str) -> RedactedText:
        """Return the redacted text and how many spans were replaced."""
        if not isinstance(text, str):
            raise RedactionInputError(f"redact() takes a string, got {type(text).__name__}")
        new_text, count = self._regex.subn(self.placeholder, text)
        return RedactedText(new_text, count)
