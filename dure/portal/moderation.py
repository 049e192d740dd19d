"""A simple word-list check that holds obviously abusive comments for a moderator.

It only flags: a person decides. Matching is case-insensitive; English words must stand
alone (so "class" does not match "ass"), Korean words match inside longer words because
Korean attaches particles to them.
"""

from __future__ import annotations

import re

ABUSIVE_EN = frozenset({
    "fuck", "fucking", "fucker", "shit", "bullshit", "bastard", "bitch", "asshole", "dickhead",
    "idiot", "idiots", "moron", "morons", "retard", "scum", "cunt", "wanker",
})
ABUSIVE_KO = ("씨발", "시발", "씨바", "ㅅㅂ", "개새끼", "개새", "병신", "ㅂㅅ", "좆", "지랄", "닥쳐", "미친놈", "미친년", "꺼져", "쓰레기같은")

_WORD = re.compile(r"[a-z]+")


def abusive_words(text: str) -> list[str]:
    """The listed words found in ``text`` (empty if none), in order of first appearance."""
    lowered = text.lower()
    found = [w for w in _WORD.findall(lowered) if w in ABUSIVE_EN]
    found += [w for w in ABUSIVE_KO if w in lowered]
    return list(dict.fromkeys(found))
